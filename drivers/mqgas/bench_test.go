package mqgas

import (
	"log/slog"
	"testing"

	"github.com/jonboulle/clockwork"
	"github.com/safehub-iot/safehub/drivers/internal/health"
	"github.com/safehub-iot/safehub/gateway"
	"github.com/stretchr/testify/require"
)

// BenchmarkSample is one gas sample on the simulated chip through periph's
// ads1x15, which sleeps one conversion period (1/860 s) in real time.
func BenchmarkSample(b *testing.B) {
	clk := clockwork.NewFakeClock()
	bus, adc, cal := simGas(b, clk)
	adc.SetVolts(0, cal.Volts(300))
	op, err := Configure(gateway.SensorSpec{ID: "gas1", Options: fixture(b, "mq2.yaml")})
	require.NoError(b, err)
	s, err := op.Open(gateway.Env{HW: hw{bus}, Clock: clk, Log: slog.New(slog.DiscardHandler)})
	require.NoError(b, err)
	gs := s.(*Sensor)
	gs.health = health.Gate{N: 3}
	rec := &recorder{}
	for b.Loop() {
		gs.sample(rec)
	}
	if _, st := rec.Snapshot(); len(st) != 0 {
		b.Fatalf("got statuses %v, want none", st)
	}
}
