package climate

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/i2c"

	"github.com/safehub-iot/safehub/drivers/internal/drivertest"
	"github.com/safehub-iot/safehub/gateway"
)

// yamlOptions is the shared gateway.Options over YAML text.
type yamlOptions = drivertest.YAMLOptions

func fixture(tb testing.TB, name string) yamlOptions {
	tb.Helper()
	b, err := os.ReadFile("testdata/" + name)
	require.NoError(tb, err)
	return yamlOptions(b)
}

// recorder is the shared recording Emitter.
type recorder = drivertest.Recorder

// hw is a gateway.Hardware with one I²C bus.
type hw struct{ bus i2c.Bus }

func (h hw) GPIO(string) (gpio.PinIO, error)                { return nil, os.ErrNotExist }
func (h hw) I2C(string) (i2c.Bus, error)                    { return h.bus, nil }
func (h hw) Serial(string, int) (io.ReadWriteCloser, error) { return nil, os.ErrNotExist }

// run builds the sensor with the named driver and runs it until the test
// ends; it returns once the first sample has reported a reading.
func run(tb testing.TB, d *gateway.Driver, opts gateway.Options, bus i2c.Bus, clk *clockwork.FakeClock) *recorder {
	tb.Helper()
	op, err := d.Configure(gateway.SensorSpec{ID: d.Name, Options: opts})
	require.NoError(tb, err)
	s, err := op.Open(gateway.Env{HW: hw{bus}, Clock: clk, Log: slog.New(slog.DiscardHandler)})
	require.NoError(tb, err)
	ctx, cancel := context.WithCancel(context.Background())
	rec := &recorder{}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, rec) }()
	tb.Cleanup(func() {
		cancel()
		require.NoError(tb, <-done)
	})
	require.Eventually(tb, func() bool { return rec.Count() > 0 }, 2*time.Second, time.Millisecond)
	return rec
}

// perSample is how many readings one good sample reports (temperature,
// humidity, pressure).
const perSample = 3

// step advances the clock by d and waits for the whole next sample: only
// then is the driver back at its ticker, so the next Advance cannot fire a
// tick it would miss (a fake ticker, like a real one, drops ticks nobody
// was ready for).
func step(tb testing.TB, clk *clockwork.FakeClock, rec *recorder, d time.Duration) {
	tb.Helper()
	n := rec.Count()
	clk.Advance(d)
	require.Eventually(tb, func() bool { return rec.Count() >= n+perSample }, 2*time.Second, time.Millisecond)
}
