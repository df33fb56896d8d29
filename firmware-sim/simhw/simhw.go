// Package simhw is a whole simulated box: GPIO pins, I2C buses and serial
// ports from firmware-sim, behind the gateway.Hardware interface, so the
// daemon's real drivers run against simulated devices.
package simhw

import (
	"fmt"
	"io"
	"os"
	"sync"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/i2c"

	"github.com/safehub-iot/safehub/firmware-sim/gpiosim"
	"github.com/safehub-iot/safehub/gateway"
)

// Hardware implements gateway.Hardware with simulated devices.
type Hardware struct {
	Pins *gpiosim.Bank

	mu    sync.Mutex
	buses map[string]i2c.Bus
}

// New returns simulated hardware whose pins run on clock.
func New(clock gateway.Clock) *Hardware {
	return &Hardware{Pins: gpiosim.NewBank(clock), buses: map[string]i2c.Bus{}}
}

// GPIO implements gateway.Hardware.
func (h *Hardware) GPIO(name string) (gpio.PinIO, error) { return h.Pins.Open(name) }

// AttachI2C makes a simulated bus available under name.
func (h *Hardware) AttachI2C(name string, bus i2c.Bus) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.buses[name] = bus
}

// I2C implements gateway.Hardware.
func (h *Hardware) I2C(name string) (i2c.Bus, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if b, ok := h.buses[name]; ok {
		return b, nil
	}
	return nil, fmt.Errorf("simhw: no simulated I2C bus %q", name)
}

// Serial implements gateway.Hardware: simulated serial devices live on real
// pseudo-terminals, so the port is opened by path like a real one (the baud
// rate means nothing on a pty).
func (h *Hardware) Serial(path string, _ int) (io.ReadWriteCloser, error) {
	f, err := os.OpenFile(path, os.O_RDWR|syscallNoCTTY, 0)
	if err != nil {
		return nil, fmt.Errorf("simhw: open serial %s: %w", path, err)
	}
	return f, nil
}
