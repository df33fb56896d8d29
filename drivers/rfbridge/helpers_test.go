package rfbridge_test

import (
	"bytes"
	"errors"
	"io"
	"sync"
	"testing"

	"github.com/tarm/serial"
	"gopkg.in/yaml.v3"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/i2c"

	"github.com/safehub-iot/safehub/gateway"
)

// serialHW is the part of the daemon's Hardware a serial driver uses,
// opening ports with tarm/serial as the real one does.
type serialHW struct{}

func (serialHW) GPIO(string) (gpio.PinIO, error) { return nil, errors.New("no GPIO in this test") }
func (serialHW) I2C(string) (i2c.Bus, error)     { return nil, errors.New("no I2C in this test") }
func (serialHW) Serial(path string, baud int) (io.ReadWriteCloser, error) {
	return serial.OpenPort(&serial.Config{Name: path, Baud: baud})
}

// yamlOptions decodes options from YAML text, rejecting unknown fields, as
// the config package does.
type yamlOptions string

func (y yamlOptions) Decode(v any) error {
	d := yaml.NewDecoder(bytes.NewBufferString(string(y)))
	d.KnownFields(true)
	return d.Decode(v)
}

// recorder is an Emitter that keeps everything.
type recorder struct {
	mu       sync.Mutex
	readings []gateway.Reading
	statuses []gateway.Status
}

func (r *recorder) Reading(x gateway.Reading) {
	r.mu.Lock()
	r.readings = append(r.readings, x)
	r.mu.Unlock()
}
func (r *recorder) Status(x gateway.Status) {
	r.mu.Lock()
	r.statuses = append(r.statuses, x)
	r.mu.Unlock()
}

// values returns the values reported for quantity q, in order.
func (r *recorder) values(q string) []float64 {
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

func (r *recorder) health() []gateway.Health {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []gateway.Health
	for _, s := range r.statuses {
		out = append(out, s.Health)
	}
	return out
}

func lastIs(tb testing.TB, got []gateway.Health, want gateway.Health) bool {
	tb.Helper()
	return len(got) > 0 && got[len(got)-1] == want
}
