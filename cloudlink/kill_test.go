package cloudlink

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/cloudlink/brokertest"
	"github.com/safehub-iot/safehub/cloudlink/protocol"
	"github.com/safehub-iot/safehub/event"
)

// buildBurstbox builds the stand-in box once per test binary run.
var (
	burstboxOnce sync.Once
	burstboxPath string
	burstboxErr  error
	burstboxDir  string
)

func buildBurstbox(tb testing.TB) string {
	tb.Helper()
	burstboxOnce.Do(func() {
		burstboxDir, burstboxErr = osMkdirTemp()
		if burstboxErr != nil {
			return
		}
		burstboxPath = filepath.Join(burstboxDir, "burstbox")
		cmd := exec.Command("go", "build", "-o", burstboxPath, "./internal/burstbox")
		out, err := cmd.CombinedOutput()
		if err != nil {
			burstboxErr = fmt.Errorf("go build burstbox: %v\n%s", err, out)
		}
	})
	if burstboxErr != nil {
		tb.Fatal(burstboxErr)
	}
	return burstboxPath
}

// box is a running burstbox process.
type box struct {
	cmd   *exec.Cmd
	mu    sync.Mutex
	lines []string
	done  chan struct{}
}

func startBox(tb testing.TB, bin, db, broker string, n int) *box {
	tb.Helper()
	b := &box{cmd: exec.Command(bin, "-db", db, "-broker", broker, "-site", testSite, "-n", fmt.Sprint(n), "-every", "1ms"), done: make(chan struct{})}
	out, err := b.cmd.StdoutPipe()
	require.NoError(tb, err)
	var stderr strings.Builder
	b.cmd.Stderr = &stderr
	require.NoError(tb, b.cmd.Start())
	go func() {
		defer close(b.done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			b.mu.Lock()
			b.lines = append(b.lines, sc.Text())
			b.mu.Unlock()
		}
		_ = b.cmd.Wait()
	}()
	tb.Cleanup(func() {
		_ = b.cmd.Process.Kill()
		<-b.done
		if tb.Failed() {
			tb.Logf("burstbox stderr:\n%s", stderr.String())
		}
	})
	return b
}

func (b *box) said(line string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, l := range b.lines {
		if l == line {
			return true
		}
	}
	return false
}

func (b *box) kill(tb testing.TB) {
	tb.Helper()
	require.NoError(tb, b.cmd.Process.Signal(syscall.SIGKILL))
	<-b.done
}

// TestKill9MidBurst: the box process is killed with SIGKILL while sending
// a burst of 1,000 alarms and started again on the same store. Every alarm
// arrives, first copies in seq order, copies only with the same id; the
// broker publishes the last will meanwhile.
func TestKill9MidBurst(t *testing.T) {
	bin := buildBurstbox(t)
	for _, kind := range brokertest.Kinds {
		t.Run(kind, func(t *testing.T) {
			b := brokertest.Start(t, kind)
			col := newCollector(t, b.URL(), "center")
			db := filepath.Join(t.TempDir(), "box.db")
			const n = 1000

			first := startBox(t, bin, db, b.URL(), n)
			require.Eventually(t, func() bool { return col.uniqueEvents() >= 300 }, waitFor, tick)
			first.kill(t)
			if first.said(fmt.Sprint("committed ", n)) {
				t.Fatalf("the burst finished before the kill; the test proves nothing")
			}
			require.Eventually(t, func() bool { return lastStatus(t, col).Reason == "connection_lost" }, waitFor, tick,
				"the broker publishes the last will when the box dies")

			second := startBox(t, bin, db, b.URL(), n)
			require.Eventually(t, func() bool { return second.said("drained") }, waitFor, tick)
			require.Eventually(t, func() bool { return col.uniqueEvents() == n }, 10*time.Second, tick)
			if s := lastStatus(t, col); s.State != protocol.Online {
				t.Fatalf("status after restart = %+v, want online", s)
			}

			got := col.events()
			var want []event.Event
			seen := map[int64]bool{}
			for _, ev := range got {
				if !seen[ev.Seq] {
					seen[ev.Seq] = true
					want = append(want, ev.Event())
				}
				if ev.Message != fmt.Sprintf("burst %d", ev.Seq) {
					t.Fatalf("seq %d carries %q: sequence numbers do not match the burst", ev.Seq, ev.Message)
				}
			}
			for seq := int64(1); seq <= n; seq++ {
				if !seen[seq] {
					t.Fatalf("seq %d never arrived", seq)
				}
			}
			checkDelivery(t, got, want)
			t.Logf("%d copies for %d alarms", len(got), n)
		})
	}
}

func lastStatus(tb testing.TB, col *collector) protocol.StatusMsg {
	tb.Helper()
	msgs := col.channel(protocol.Status)
	if len(msgs) == 0 {
		return protocol.StatusMsg{}
	}
	s, err := protocol.DecodeStatus(msgs[len(msgs)-1].payload)
	if err != nil {
		tb.Fatalf("bad status payload: %v", err)
	}
	return s
}

func osMkdirTemp() (string, error) { return os.MkdirTemp("", "burstbox-") }
