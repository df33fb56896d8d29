package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/gateway/store"
	"github.com/safehub-iot/safehub/internal/cli"
	"github.com/safehub-iot/safehub/internal/cli/clitest"
)

// buildDaemon compiles safehubd into a temporary directory.
func buildDaemon(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "safehubd")
	out, err := exec.Command("go", "build", "-tags", "simhw", "-o", bin, ".").CombinedOutput()
	require.NoError(tb, err, "go build: %s", out)
	return bin
}

func writeSimConfig(tb testing.TB, dir string) string {
	tb.Helper()
	cfg := fmt.Sprintf(`
site: {id: kill-test, timezone: Europe/Berlin}
hardware: sim
store: {path: %q}
api: {socket: %q}
sensors:
  - {id: button, kind: call_button, driver: gpio, options: {pin: GPIO17}}
`, filepath.Join(dir, "box.db"), filepath.Join(dir, "api.sock"))
	path := filepath.Join(dir, "safehub.yaml")
	require.NoError(tb, os.WriteFile(path, []byte(cfg), 0o600))
	return path
}

// TestSequenceNeverRepeatsAcrossKill9 starts a real safehubd again and again
// and SIGKILLs it at different points of its start-up (while it commits its
// "started" event), then checks the event log: sequence numbers rise by
// one, with no repeat and no gap, across every kill.
func TestSequenceNeverRepeatsAcrossKill9(t *testing.T) {
	bin := buildDaemon(t)
	dir := t.TempDir()
	cfg := writeSimConfig(t, dir)
	const runs = 12
	for i := 0; i < runs; i++ {
		cmd := exec.Command(bin, "--config", cfg)
		stderr, err := cmd.StderrPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		if i%3 == 0 {
			// Kill at once, often before or during the first commit.
			time.Sleep(time.Duration(i) * time.Millisecond)
		} else {
			waitForLine(t, stderr, "safehubd running")
		}
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		_ = cmd.Wait()
	}
	st, err := store.Open(context.Background(), filepath.Join(dir, "box.db"))
	require.NoError(t, err)
	defer st.Close()
	evs, err := st.Events(context.Background(), 0, 1000)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(evs), runs*2/3, "every run that got to 'running' committed its start event")
	seen := map[string]bool{}
	for i, ev := range evs {
		require.Equal(t, int64(i+1), ev.Seq, "sequence numbers rise by one with no gap or repeat")
		require.False(t, seen[ev.ID], "event id %s repeated", ev.ID)
		seen[ev.ID] = true
	}
	last, err := st.LastSeq(context.Background())
	require.NoError(t, err)
	require.Equal(t, int64(len(evs)), last)
}

func waitForLine(tb testing.TB, r interface{ Read([]byte) (int, error) }, want string) {
	tb.Helper()
	found := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if strings.Contains(sc.Text(), want) {
				found <- true
				for sc.Scan() {
				}
				return
			}
		}
		found <- false
	}()
	select {
	case ok := <-found:
		require.True(tb, ok, "safehubd exited before printing %q", want)
	case <-time.After(20 * time.Second):
		tb.Fatalf("safehubd did not print %q within 20 s", want)
	}
}

func TestCheckConfig(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
	}{
		{name: "example is valid", args: []string{"check-config", "../../configs/example.yaml"}, wantCode: exitOK, wantOut: "config is valid"},
		{name: "five mistakes", args: []string{"check-config", "../../gateway/config/testdata/five-mistakes.yaml"}, wantCode: exitInvalid, wantOut: "line 19: sensors[2].colour: unknown field"},
		{name: "missing file", args: []string{"check-config", "nope.yaml"}, wantCode: exitInvalid, wantOut: "no such file"},
		{name: "no argument", args: []string{"check-config"}, wantCode: exitUsage, wantOut: "accepts 1 arg"},
		{name: "unknown command", args: []string{"frobnicate"}, wantCode: exitUsage, wantOut: "unknown command"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out strings.Builder
			code := cli.Exit(&out, "safehubd", Run(context.Background(), tc.args, &out, &out))
			require.Equal(t, tc.wantCode, code, "output: %s", out.String())
			require.Contains(t, out.String(), tc.wantOut)
		})
	}
}

// Every command's help page exits 0 and shows examples.
func TestHelp(t *testing.T) {
	paths := clitest.Help(t, newRoot(context.Background(), io.Discard, io.Discard), func(args []string, stdout, stderr io.Writer) error {
		return Run(context.Background(), args, stdout, stderr)
	})
	require.Len(t, paths, 4, "safehubd and its check-config, check-rules and version: %v", paths)
}
