package center

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"
	"periph.io/x/conn/v3/gpio"

	"github.com/safehub-iot/safehub/center/alarmdb"
	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/firmware-sim/simhome"
)

// TestBrowserRealBox runs the demo home (configs/demo.yaml: the real daemon,
// pipeline, rules and cloud link on simulated devices) against the center:
// the resident presses the bedroom button, the alarm appears in the console,
// the operator clicks Acknowledge, and the box's "help is coming" LED
// (led-help on GPIO13) lights.
func TestBrowserRealBox(t *testing.T) {
	c := startCenter(t, Config{Operators: map[string]string{"anna": "correct-horse"}})
	ctx := context.Background()
	box := startDemoBox(t, c)
	const site, ledHelp, button = "demo-home", "GPIO13", "GPIO17"

	require.Eventually(t, func() bool {
		hs, err := c.DB().Homes(ctx)
		return err == nil && len(hs) == 1 && hs[0].Site == site && hs[0].Online
	}, 20*time.Second, 20*time.Millisecond, "demo home online at the center")
	require.Equal(t, gpio.Low, box.HW.Pins.Level(ledHelp), "help-coming LED off before any ack")

	// Press only once the button's driver has opened its pin and read
	// its idle level.
	require.Eventually(t, func() bool {
		for _, s := range box.Daemon.Pipeline().Health() {
			if s.ID == "button-bedroom" {
				return s.Health == event.HealthOK && !s.LastSeen.IsZero()
			}
		}
		return false
	}, 20*time.Second, 10*time.Millisecond, "bedroom button ready")
	box.HW.Pins.Set(button, gpio.Low) // pressed (active low)
	require.Eventually(t, func() bool {
		as, err := c.Alarms(ctx, alarmdb.Filter{Site: site})
		return err == nil && len(as) == 1
	}, 20*time.Second, 10*time.Millisecond, "the press reaches the center as an alarm")

	b := newBrowser(t)
	card := `#alarms .alarm[data-site="` + site + `"]`
	require.NoError(t, chromedp.Do(b,
		chromedp.Navigate(c.HTTPURL()),
		chromedp.WaitVisible(`#name`),
		chromedp.SendKeys(`#name`, "anna"),
		chromedp.SendKeys(`#password`, "correct-horse"),
		chromedp.Click(`#login-button`),
		chromedp.WaitVisible(card+` button[data-action="ack"]`),
	))
	// The card is drawn, then filled by the next server-sent update: read
	// it until its text is there.
	var text string
	var err error
	require.Eventually(t, func() bool {
		text, err = chromedp.Run(b, chromedp.Text(card))
		return err == nil && strings.Contains(text, "bedroom")
	}, 10*time.Second, 50*time.Millisecond, "alarm card: got %q, want the bedroom button's alarm", text)
	box.HW.Pins.Set(button, gpio.High) // released

	require.NoError(t, chromedp.Do(b, chromedp.Click(card+` button[data-action="ack"]`)))
	require.Eventually(t, func() bool { return box.HW.Pins.Level(ledHelp) == gpio.High }, 20*time.Second, 10*time.Millisecond,
		`the box's "help is coming" LED lights after the operator's acknowledgement`)

	require.NoError(t, chromedp.Do(b, chromedp.WaitVisible(card+`[data-state="acknowledged"]`)))
	png, err := chromedp.Run(b, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	saveArtifact(t, "center-console-real-box.png", png)

	as, err := c.Alarms(ctx, alarmdb.Filter{Site: site})
	require.NoError(t, err)
	require.Len(t, as, 1, "one press, one alarm")
	if as[0].AckedBy != "anna" || as[0].SensorKind != "call_button" {
		t.Fatalf("alarm: got acked by %q kind %q, want anna, call_button", as[0].AckedBy, as[0].SensorKind)
	}
	require.NoError(t, box.Err())
}

// startDemoBox runs the demo home (configs/demo.yaml) on simulated devices
// against the center, closed when the test ends.
func startDemoBox(t *testing.T, c *Center) *simhome.Home {
	t.Helper()
	// The demo config names its rules file relative to the repository root.
	t.Chdir(repoRoot)
	box, err := simhome.Start(context.Background(), simhome.Options{
		ConfigPath: "configs/demo.yaml", Dir: t.TempDir(), BrokerURL: c.BrokerURL(),
		Clock: clockwork.NewRealClock(), Log: testLog(),
	})
	require.NoError(t, err)
	t.Cleanup(func() { box.Close() })
	return box
}
