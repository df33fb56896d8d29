// Package gsmtest gives tests a GSM modem to talk to: firmware-sim's
// simulated modem on a real pseudo-terminal, opened through tarm/serial and
// driven by the real gsm driver, as on a box.
package gsmtest

import (
	"testing"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"
	"github.com/tarm/serial"

	"github.com/safehub-iot/safehub/drivers/gsm"
	"github.com/safehub-iot/safehub/firmware-sim/serialsim"
)

// NewModem returns the simulated modem and the driver talking to it; both
// close when the test ends.
func NewModem(tb testing.TB, clock clockwork.Clock) (*serialsim.Modem, *gsm.Modem) {
	tb.Helper()
	sim, err := serialsim.NewModem()
	require.NoError(tb, err)
	port, err := serial.OpenPort(&serial.Config{Name: sim.Path(), Baud: 115200})
	require.NoError(tb, err)
	tb.Cleanup(func() {
		sim.Close() // hang up first: the modem's reader then returns
		port.Close()
	})
	return sim, gsm.NewModem(port, clock, nil)
}
