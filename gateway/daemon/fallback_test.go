package daemon_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"
	"periph.io/x/conn/v3/gpio"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/firmware-sim/serialsim"
	"github.com/safehub-iot/safehub/firmware-sim/simhw"
	"github.com/safehub-iot/safehub/gateway/daemon"
)

// TestLocalOnlyBoxTextsAnAlarm runs a box with no cloud link and a GSM
// modem (simulated on a real pseudo-terminal): a button press must reach
// the configured number as exactly one SMS once the link-down limit passed.
func TestLocalOnlyBoxTextsAnAlarm(t *testing.T) {
	modem, err := serialsim.NewModem()
	require.NoError(t, err)
	t.Cleanup(func() { modem.Close() })
	dir := t.TempDir()
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
	require.NoError(t, os.WriteFile(path, []byte(cfg), 0o600))
	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC))
	hw := simhw.New(clock)
	hw.MapSerial("/dev/ttyUSB2", modem.Path())
	ctx, cancel := context.WithCancel(context.Background())
	d, err := daemon.New(ctx, daemon.Options{ConfigPath: path, Hardware: hw, Clock: clock})
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
