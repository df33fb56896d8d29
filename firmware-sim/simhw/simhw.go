// Package simhw is a whole simulated box: GPIO pins, I2C buses and serial
// ports from firmware-sim, behind the gateway.Hardware interface, so the
// daemon's real drivers run against simulated devices.
package simhw

import (
	"fmt"
	"io"
	"sync"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/i2c"

	"github.com/safehub-iot/safehub/drivers/hostio"
	"github.com/safehub-iot/safehub/firmware-sim/gpiosim"
	"github.com/safehub-iot/safehub/firmware-sim/i2csim"
	"github.com/safehub-iot/safehub/gateway"
)

// Hardware implements gateway.Hardware with simulated devices.
type Hardware struct {
	Pins *gpiosim.Bank

	mu    sync.Mutex
	buses map[string]*i2csim.Bus
	ports map[string]string // port name in config -> pty path
}

// New returns simulated hardware whose pins run on clock.
func New(clock gateway.Clock) *Hardware {
	return &Hardware{Pins: gpiosim.NewBank(clock), buses: map[string]*i2csim.Bus{}, ports: map[string]string{}}
}

// GPIO implements gateway.Hardware.
func (h *Hardware) GPIO(name string) (gpio.PinIO, error) { return h.Pins.Open(name) }

// Bus returns the simulated I2C bus of that name, creating it empty: attach
// chips to it (i2csim.NewADS1115, NewBME280) at their addresses. A driver
// talking to an address with no chip sees a NACK, as on a real bus.
func (h *Hardware) Bus(name string) *i2csim.Bus {
	h.mu.Lock()
	defer h.mu.Unlock()
	b, ok := h.buses[name]
	if !ok {
		b = i2csim.NewBus(name)
		h.buses[name] = b
	}
	return b
}

// I2C implements gateway.Hardware.
func (h *Hardware) I2C(name string) (i2c.Bus, error) { return h.Bus(name), nil }

// MapSerial makes a config's port name (e.g. /dev/ttyUSB0) open the given
// pseudo-terminal, where a firmware-sim serial device is listening.
func (h *Hardware) MapSerial(port, ptyPath string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ports[port] = ptyPath
}

// Serial implements gateway.Hardware: simulated serial devices live on real
// pseudo-terminals, so the port is opened by path through the box's own
// hostio.OpenSerial, like a real one (a pty stores the baud rate and ignores
// it).
func (h *Hardware) Serial(path string, baud int) (io.ReadWriteCloser, error) {
	h.mu.Lock()
	if p, ok := h.ports[path]; ok {
		path = p
	}
	h.mu.Unlock()
	p, err := hostio.OpenSerial(path, baud)
	if err != nil {
		return nil, fmt.Errorf("simhw: %w", err)
	}
	return p, nil
}
