// Package drivertest holds what the driver packages' tests share, as
// periph's i2ctest and gpiotest do for buses and pins: an Emitter that
// records, driver options written as YAML, and a Hardware that opens serial
// ports (real pseudo-terminals in tests) the way the daemon does.
package drivertest

import (
	"bytes"
	"errors"
	"io"
	"sync"

	"gopkg.in/yaml.v3"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/i2c"

	"github.com/safehub-iot/safehub/drivers/hostio"
	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
)

// SerialHW is the part of the daemon's Hardware a serial driver uses,
// opening ports with hostio.OpenSerial as the real one does; it has no pins
// or buses.
type SerialHW struct{}

// GPIO implements gateway.Hardware.
func (SerialHW) GPIO(string) (gpio.PinIO, error) { return nil, errors.New("no GPIO in this test") }

// I2C implements gateway.Hardware.
func (SerialHW) I2C(string) (i2c.Bus, error) { return nil, errors.New("no I2C in this test") }

// Serial implements gateway.Hardware.
func (SerialHW) Serial(path string, baud int) (io.ReadWriteCloser, error) {
	return hostio.OpenSerial(path, baud)
}

// YAMLOptions decodes driver options from YAML text, rejecting unknown
// fields, as the config package does.
type YAMLOptions string

// Decode implements gateway.Options.
func (y YAMLOptions) Decode(v any) error {
	d := yaml.NewDecoder(bytes.NewBufferString(string(y)))
	d.KnownFields(true)
	return d.Decode(v)
}

// Recorder is an Emitter that keeps everything; safe for concurrent use.
type Recorder struct {
	mu       sync.Mutex
	readings []gateway.Reading
	statuses []gateway.Status
}

// Reading implements gateway.Emitter.
func (r *Recorder) Reading(x gateway.Reading) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.readings = append(r.readings, x)
}

// Status implements gateway.Emitter.
func (r *Recorder) Status(x gateway.Status) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.statuses = append(r.statuses, x)
}

// Snapshot returns copies of what was recorded so far.
func (r *Recorder) Snapshot() ([]gateway.Reading, []gateway.Status) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]gateway.Reading(nil), r.readings...), append([]gateway.Status(nil), r.statuses...)
}

// Count is how many readings were recorded.
func (r *Recorder) Count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.readings)
}

// Values returns the values reported for quantity q, in order.
func (r *Recorder) Values(q string) []float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []float64
	for _, x := range r.readings {
		if x.Quantity == q {
			out = append(out, x.Value)
		}
	}
	return out
}

// Health returns the health of every status, in order.
func (r *Recorder) Health() []event.Health {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []event.Health
	for _, s := range r.statuses {
		out = append(out, s.Health)
	}
	return out
}
