package mqgas

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
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

// withOption returns the fixture with one top-level option replaced.
func withOption(tb testing.TB, base yamlOptions, key string, value any) yamlOptions {
	tb.Helper()
	m := map[string]any{}
	require.NoError(tb, yaml.Unmarshal([]byte(base), &m))
	m[key] = value
	b, err := yaml.Marshal(m)
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

// start opens the sensor configured by opts on bus and runs it until the
// test ends. It returns once the first sample has reported.
func start1(tb testing.TB, opts gateway.Options, bus i2c.Bus, clk *clockwork.FakeClock) *recorder {
	tb.Helper()
	op, err := Configure(gateway.SensorSpec{ID: "gas1", Kind: "gas", Driver: "ads1115-mq", Options: opts})
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
	require.NoError(tb, clk.BlockUntilContext(ctx, 1)) // the ticker
	require.Eventually(tb, func() bool { return rec.Count() > 0 }, 2*time.Second, time.Millisecond)
	return rec
}

// step advances the clock by d and waits for the one reading the next
// sample reports.
func step(tb testing.TB, clk *clockwork.FakeClock, rec *recorder, d time.Duration) {
	tb.Helper()
	n := rec.Count()
	clk.Advance(d)
	require.Eventually(tb, func() bool { return rec.Count() > n }, 2*time.Second, time.Millisecond)
}

// advanceUntil advances the clock by d at every poll until cond holds: for
// stretches where samples fail and report nothing to wait on.
func advanceUntil(tb testing.TB, clk *clockwork.FakeClock, d time.Duration, cond func() bool) {
	tb.Helper()
	require.Eventually(tb, func() bool {
		if cond() {
			return true
		}
		clk.Advance(d)
		return false
	}, 5*time.Second, 2*time.Millisecond)
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
