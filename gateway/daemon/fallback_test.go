package daemon_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"
	"periph.io/x/conn/v3/gpio"

	"github.com/safehub-iot/safehub/drivers/gsm"
	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/firmware-sim/serialsim"
	"github.com/safehub-iot/safehub/firmware-sim/simhw"
	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/gateway/daemon"
	"github.com/safehub-iot/safehub/gateway/smsfallback"
)

// openModem is the Options.OpenModem of these tests: the real driver.
func openModem(port io.ReadWriter, clock gateway.Clock, log *slog.Logger) smsfallback.Modem {
	return gsm.NewModem(port, clock, log)
}

// fallbackConfig writes a local-only box config with an SMS fallback and
// returns its path.
func fallbackConfig(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	cfg := fmt.Sprintf(`
site: {id: flat-9, name: "Flat 9, Rosenweg 5", timezone: Europe/Berlin}
hardware: sim
store: {path: %q}
api: {socket: %q}
fallback: {port: /dev/ttyUSB2, numbers: ["+4930123456"], link_down_after: 2m}
sensors:
  - {id: button, kind: call_button, driver: gpio, room: bedroom, options: {pin: GPIO17}}
`, filepath.Join(dir, "box.db"), filepath.Join(dir, "api.sock"))
	path := filepath.Join(dir, "safehub.yaml")
	require.NoError(tb, os.WriteFile(path, []byte(cfg), 0o600))
	return path
}

// TestLocalOnlyBoxTextsAnAlarm runs a box with no cloud link and a GSM
// modem (simulated on a real pseudo-terminal): a button press must reach
// the configured number as exactly one SMS once the link-down limit passed.
func TestLocalOnlyBoxTextsAnAlarm(t *testing.T) {
	modem, err := serialsim.NewModem()
	require.NoError(t, err)
	t.Cleanup(func() { modem.Close() })
	path := fallbackConfig(t)
	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC))
	hw := simhw.New(clock)
	hw.MapSerial("/dev/ttyUSB2", modem.Path())
	ctx, cancel := context.WithCancel(context.Background())
	d, err := daemon.New(ctx, daemon.Options{ConfigPath: path, Hardware: hw, OpenModem: openModem, Clock: clock})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	h := &home{d: d, hw: hw, clock: clock}
	t.Cleanup(func() {
		cancel()
		for {
			select {
			case err := <-done:
				require.NoError(t, err)
				return
			case <-time.After(time.Millisecond):
				clock.Advance(time.Second)
			}
		}
	})
	h.waitHealth(t, map[string]event.Health{"button": event.HealthOK})
	hw.Pins.Set("GPIO17", gpio.Low)
	h.settle(t, func() bool { return len(h.events(t, event.AlarmRaised)) == 1 })
	alarm := h.events(t, event.AlarmRaised)[0]
	require.Eventually(t, func() bool {
		clock.Advance(5 * time.Second)
		return len(modem.Messages()) > 0
	}, 20*time.Second, 5*time.Millisecond)
	for i := 0; i < 30; i++ { // another 5 minutes of checks: still one SMS
		clock.Advance(10 * time.Second)
		time.Sleep(time.Millisecond)
	}
	msgs := modem.Messages()
	require.Len(t, msgs, 1)
	require.Equal(t, "+4930123456", msgs[0].Number)
	require.Contains(t, msgs[0].Text, "Flat 9")
	require.Contains(t, strings.ToLower(msgs[0].Text), "bedroom")
	require.Contains(t, msgs[0].Text, fmt.Sprint(alarm.Seq))
}

// A config with a fallback section needs a modem driver: without
// Options.OpenModem the daemon does not start, and says what is missing.
func TestFallbackWithoutModemDriverIsAStartError(t *testing.T) {
	clock := clockwork.NewFakeClock()
	_, err := daemon.New(context.Background(), daemon.Options{ConfigPath: fallbackConfig(t), Hardware: simhw.New(clock), Clock: clock})
	if !errors.Is(err, daemon.ErrNoModem) {
		t.Fatalf("err = %v, want ErrNoModem", err)
	}
	require.Contains(t, err.Error(), "/dev/ttyUSB2")
	require.Contains(t, err.Error(), "Options.OpenModem")
}

// TestDaemonLinksNoDriver guards the layering: the daemon is handed its
// hardware and its modem by cmd/, so it links no driver and no simulator.
func TestDaemonLinksNoDriver(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	require.NoError(t, err, "go list: %s", out)
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(dep, "/drivers/") || strings.Contains(dep, "/firmware-sim") {
			t.Errorf("gateway/daemon links %s", dep)
		}
	}
}
