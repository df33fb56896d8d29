package center

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/cloudlink/protocol"
)

// newBrowser starts headless Chromium with a fresh profile and no
// background network traffic.
func newBrowser(tb testing.TB) context.Context {
	tb.Helper()
	if _, err := os.Stat("/usr/bin/chromium"); err != nil {
		tb.Fatalf("chromium is required (apt-get install chromium chromium-driver): %v", err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath("/usr/bin/chromium"),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.UserDataDir(tb.TempDir()),
		chromedp.WindowSize(1400, 1000),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	tb.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// TestBrowserAcknowledge: an alarm from a simulated home appears on the
// page, a test alarm appears apart, the operator clicks Acknowledge, and
// the box receives the acknowledgement and lights "help is coming".
func TestBrowserAcknowledge(t *testing.T) {
	c := startCenter(t, Config{Operators: map[string]string{"anna": "correct-horse"}})
	h := newHome(t, c.BrokerURL(), "rose-12")
	now := time.Now()
	h.heartbeat(t, now, 30)
	h.publish(t, alarm("rose-12", 1, now))
	test := alarm("rose-12", 2, now)
	test.ID, test.AlarmID, test.Test = "rose-12-test", "rose-12-test", true
	h.publish(t, test)

	ctx := newBrowser(t)
	real := `#alarms [data-alarm="rose-12-0001"]`
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(c.HTTPURL()),
		chromedp.WaitVisible(`#name`),
		chromedp.SendKeys(`#name`, "anna"),
		chromedp.SendKeys(`#password`, "correct-horse"),
		chromedp.Click(`#login-button`),
		chromedp.WaitVisible(real+` button[data-action="ack"]`),
	))
	// The page redraws on every server-sent update, so a node found by
	// one call may be gone by the next: read each text in one evaluation,
	// and until it says what is expected (or 10 s have passed).
	expectText := func(sel, what string, ok func(string) bool) {
		t.Helper()
		var got string
		var mu sync.Mutex
		read := func() bool {
			s, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q)?.innerText ?? ""`, sel)))
			if err != nil {
				s = "error: " + err.Error()
			}
			mu.Lock()
			got = s
			mu.Unlock()
			return err == nil && ok(s)
		}
		if !assert.Eventually(t, read, 10*time.Second, 20*time.Millisecond) {
			mu.Lock()
			defer mu.Unlock()
			t.Errorf("%s: got %q, want %s", sel, got, what)
		}
	}
	expectText(`#homes tr[data-site="rose-12"]`, "the home online", func(s string) bool { return strings.Contains(s, "online") })
	expectText(`#alarms`, "exactly one real alarm", func(s string) bool { return strings.Count(s, "rose-12:") == 1 })
	expectText(`#test-alarms`, "the commissioning alarm listed apart", func(s string) bool { return strings.Contains(s, "rose-12") })

	require.NoError(t, chromedp.Do(ctx, chromedp.Click(real+` button[data-action="ack"]`)))

	// The box: an ack command for its alarm turns its "help is coming" on.
	helpComing := false
	cmd := waitCmd(t, h)
	if cmd.Cmd == protocol.CmdAck && cmd.Operator == TestAlarmOperator {
		cmd = waitCmd(t, h) // the commissioning alarm's automatic ack came first
	}
	if cmd.Cmd == protocol.CmdAck && cmd.AlarmID == "rose-12-0001" && cmd.Operator == "anna" {
		helpComing = true
	}
	if !helpComing {
		t.Fatalf("box got %+v, want ack of rose-12-0001 by anna (help is coming)", cmd)
	}

	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(real+`[data-state="acknowledged"] button[data-action="resolve"]`)))
	expectText(real, "the card acknowledged by anna", func(s string) bool { return strings.Contains(s, "acknowledged by anna") })
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100: PNG
	require.NoError(t, err)
	saveArtifact(t, "center-console-ack.png", png)

	// Resolve with an outcome: the alarm leaves the active list.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetValue(real+` select[data-field="outcome"]`, "help sent"),
		chromedp.SendKeys(real+` input[data-field="note"]`, "neighbour went over"),
		chromedp.Click(real+` button[data-action="resolve"]`),
		chromedp.WaitNotPresent(real),
	))
	a, err := c.DB().Alarm(context.Background(), "rose-12-0001")
	require.NoError(t, err)
	if a.State != "resolved" || a.ResolvedBy != "anna" || a.Outcome != "help sent" || a.Note != "neighbour went over" {
		t.Fatalf("alarm after resolve: got state %s by %q outcome %q note %q", a.State, a.ResolvedBy, a.Outcome, a.Note)
	}
}

// repoRoot is the repository root, found before any test changes directory.
var repoRoot = func() string {
	dir, err := filepath.Abs("..")
	if err != nil {
		panic(err) // Abs fails only if the working directory is gone
	}
	return dir
}()

// saveArtifact keeps a file under artifacts/ at the repository root.
func saveArtifact(tb testing.TB, name string, data []byte) {
	tb.Helper()
	dir := filepath.Join(repoRoot, "artifacts")
	require.NoError(tb, os.MkdirAll(dir, 0o755))
	path := filepath.Join(dir, name)
	require.NoError(tb, os.WriteFile(path, data, 0o644))
	tb.Logf("screenshot: %s", path)
}
