// Package hostio is the box's real hardware: GPIO pins through the kernel's
// GPIO character device and I2C buses through periph's host drivers, and
// serial ports through tarm/serial. It is deliberately thin: everything above
// it is tested against firmware-sim instead, as nothing in CI has real pins.
package hostio

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/tarm/serial"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2creg"
	"periph.io/x/host/v3"
)

// Host implements gateway.Hardware on the real machine.
type Host struct {
	mu    sync.Mutex
	buses map[string]i2c.BusCloser
}

// New initialises periph's host drivers.
func New() (*Host, error) {
	if _, err := host.Init(); err != nil {
		return nil, fmt.Errorf("hostio: init periph host drivers: %w", err)
	}
	return &Host{buses: map[string]i2c.BusCloser{}}, nil
}

// GPIO implements gateway.Hardware.
func (h *Host) GPIO(name string) (gpio.PinIO, error) {
	p := gpioreg.ByName(name)
	if p == nil {
		return nil, fmt.Errorf("hostio: no GPIO pin named %q on this board", name)
	}
	return p, nil
}

// I2C implements gateway.Hardware: each bus is opened once and shared.
func (h *Host) I2C(name string) (i2c.Bus, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if b, ok := h.buses[name]; ok {
		return b, nil
	}
	b, err := i2creg.Open(name)
	if err != nil {
		return nil, fmt.Errorf("hostio: open I2C bus %q: %w", name, err)
	}
	h.buses[name] = b
	return b, nil
}

// Serial implements gateway.Hardware with OpenSerial.
func (h *Host) Serial(path string, baud int) (io.ReadWriteCloser, error) {
	p, err := OpenSerial(path, baud)
	if err != nil {
		return nil, fmt.Errorf("hostio: %w", err)
	}
	return p, nil
}

// SerialReadTimeout bounds each read of a port opened by OpenSerial: an
// idle line reads as io.EOF with no bytes after this long (see
// drivers/internal/serialio), so a reader notices Close within it.
const SerialReadTimeout = 200 * time.Millisecond

// OpenSerial opens a serial port, or a pseudo-terminal standing in for
// one, in raw mode through tarm/serial with SerialReadTimeout. It is the one
// way the box opens a serial line; firmware-sim's hardware uses it too, so
// drivers see the same read semantics on a simulated port as on a real one.
func OpenSerial(path string, baud int) (io.ReadWriteCloser, error) {
	p, err := serial.OpenPort(&serial.Config{Name: path, Baud: baud, ReadTimeout: SerialReadTimeout})
	if err != nil {
		return nil, fmt.Errorf("open serial %s: %w", path, err)
	}
	return p, nil
}

// Close closes the I2C buses it opened.
func (h *Host) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	var first error
	for name, b := range h.buses {
		if err := b.Close(); err != nil && first == nil {
			first = fmt.Errorf("hostio: close I2C bus %q: %w", name, err)
		}
		delete(h.buses, name)
	}
	return first
}
