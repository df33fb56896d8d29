//go:build simhw

package main

import (
	"github.com/safehub-iot/safehub/firmware-sim/simhw"
	"github.com/safehub-iot/safehub/gateway"
)

// With -tags simhw, hardware "sim" runs the daemon's drivers on
// firmware-sim's simulated pins, buses and serial ports.
func init() {
	hardware["sim"] = func(clock gateway.Clock) (gateway.Hardware, error) { return simhw.New(clock), nil }
}
