package main

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"periph.io/x/conn/v3/gpio"

	"github.com/safehub-iot/safehub/event"
)

// A latched smoke alarm (the built-in rules) keeps the siren on after the
// smoke is gone, until `safehubctl reset`, which clears it through the
// daemon's API.
func TestResetClearsLatchedSmoke(t *testing.T) {
	b := startSimBox(t, nil)
	kinds := func() []event.Kind {
		code, out, errOut := runCLI(t, "--socket", b.socket, "events", "list", "--json", "--since", "2026-11-23T00:00:00Z")
		require.Equal(t, exitOK, code, errOut)
		var evs []event.Event
		require.NoError(t, json.Unmarshal([]byte(out), &evs))
		var ks []event.Kind
		for _, ev := range evs {
			if ev.Sensor == "smoke" && ev.Kind.IsAlarm() {
				ks = append(ks, ev.Kind)
			}
		}
		return ks
	}
	settle := func(level gpio.Level) { // past the smoke input's 500 ms debounce
		b.hw.Pins.Set("GPIO27", level)
		for range 10 {
			time.Sleep(time.Millisecond)
			b.clock.Advance(100 * time.Millisecond)
		}
	}
	settle(gpio.Low) // the detector's relay closes: smoke
	require.Eventually(t, func() bool { return b.hw.Pins.Level("GPIO5") == gpio.High }, 5*time.Second, 5*time.Millisecond, "siren on")
	settle(gpio.High) // smoke gone: latched, the siren stays on
	require.Equal(t, gpio.High, b.hw.Pins.Level("GPIO5"), "latched: the siren stays on")
	require.Equal(t, []event.Kind{event.AlarmRaised}, kinds())

	code, out, errOut := runCLI(t, "--socket", b.socket, "reset")
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "latched alarms reset")
	require.Equal(t, gpio.Low, b.hw.Pins.Level("GPIO5"), "siren off after the reset")
	require.Equal(t, []event.Kind{event.AlarmRaised, event.AlarmCleared}, kinds())

	code, _, errOut = runCLI(t, "--socket", b.socket, "reset", "now")
	require.Equal(t, exitUsage, code, errOut)
}
