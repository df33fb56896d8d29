package daemon_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"periph.io/x/conn/v3/gpio"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/firmware-sim/simhw"
)

// smokeRules latch a smoke alarm with the siren until reset.
const smokeRules = `
rules:
  - {id: smoke, kind: digital, sensors: [smoke], severity: critical, until: reset, siren: true}
  - {id: call-button, kind: digital, sensors: [button], severity: critical, until: ack}
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
