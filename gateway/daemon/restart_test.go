package daemon_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"periph.io/x/conn/v3/gpio"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/firmware-sim/simhw"
	"github.com/safehub-iot/safehub/gateway"
)

// smokeRules latch a smoke alarm with the siren until reset.
const smokeRules = `
rules:
  - {id: smoke, kind: digital, sensors: [smoke], severity: critical, until: reset, siren: true}
  - {id: call-button, kind: digital, sensors: [button], severity: critical, until: ack, siren: true}
`

// The outputs are open before the saved state is applied: the siren of a
// smoke alarm latched before a restart sounds again after it, though the
// smoke has cleared meanwhile.
func TestLatchedSirenSoundsAfterRestart(t *testing.T) {
	h := bootBox(t, t.TempDir(), boxOptions{rules: smokeRules})
	h.waitHealth(t, allOK)
	h.hw.Pins.Set("GPIO27", gpio.Low) // smoke
	h.settle(t, func() bool { return len(h.events(t, event.AlarmRaised)) == 1 })
	require.Equal(t, gpio.High, h.hw.Pins.Level("GPIO5"), "siren on")

	h = h.restart(t, func(hw *simhw.Hardware) { hw.Pins.Set("GPIO27", gpio.High) }) // the smoke has cleared
	h.waitHealth(t, allOK)
	require.Equal(t, gpio.High, h.hw.Pins.Level("GPIO5"), "the latched alarm's siren is on after the restart")
	require.Len(t, h.events(t, event.AlarmRaised), 1, "still the one alarm")
}

// The siren follows the active alarms and the center's silence: silenced,
// it sounds again for the next alarm that asks for it.
func TestSirenSoundsAgainAfterSilence(t *testing.T) {
	h := bootBox(t, t.TempDir(), boxOptions{rules: smokeRules})
	h.waitHealth(t, allOK)
	h.hw.Pins.Set("GPIO27", gpio.Low) // smoke
	h.settle(t, func() bool { return len(h.events(t, event.AlarmRaised)) == 1 })
	require.Equal(t, gpio.High, h.hw.Pins.Level("GPIO5"), "siren on")
	require.NoError(t, h.d.SilenceSiren(context.Background()))
	require.Equal(t, gpio.Low, h.hw.Pins.Level("GPIO5"), "silenced")
	h.hw.Pins.Set("GPIO17", gpio.Low) // the call button
	h.settle(t, func() bool { return len(h.events(t, event.AlarmRaised)) == 2 })
	require.Equal(t, gpio.High, h.hw.Pins.Level("GPIO5"), "the next alarm sounds the siren again")
}

// "Help is coming" goes off once no alarm needs it, and a commissioning
// test alarm does not light it.
func TestHelpComingGoesOff(t *testing.T) {
	h := bootBox(t, t.TempDir(), boxOptions{rules: smokeRules})
	h.waitHealth(t, allOK)
	h.hw.Pins.Set("GPIO17", gpio.Low) // the call button
	h.settle(t, func() bool { return len(h.events(t, event.AlarmRaised)) == 1 })
	alarm := h.events(t, event.AlarmRaised)[0]
	require.NoError(t, h.d.Pipeline().Acknowledge(context.Background(), alarm.ID))
	require.Equal(t, gpio.High, h.hw.Pins.Level("GPIO13"), "help is coming")
	_, err := h.d.Pipeline().ActiveAlarms(context.Background()) // the loop has armed its timers
	require.NoError(t, err)
	h.clock.Advance(gateway.HelpComingFor)
	h.settle(t, func() bool { return h.hw.Pins.Level("GPIO13") == gpio.Low })

	h.hw.Pins.Set("GPIO17", gpio.High)
	h.d.Pipeline().SetTestMode(true)
	h.settle(t, func() bool { // the release has reached the rules
		for _, s := range h.d.Pipeline().Health() {
			if s.ID == "button" && s.Last[gateway.QActive] == 0 {
				return true
			}
		}
		return false
	})
	h.hw.Pins.Set("GPIO17", gpio.Low) // the technician's walk test
	h.settle(t, func() bool { return len(h.events(t, event.AlarmRaised)) == 2 })
	test := h.events(t, event.AlarmRaised)[1]
	require.True(t, test.Test)
	require.NoError(t, h.d.Pipeline().Acknowledge(context.Background(), test.ID))
	require.Equal(t, gpio.Low, h.hw.Pins.Level("GPIO13"), "a test alarm's acknowledgement lights no help is coming")
}
