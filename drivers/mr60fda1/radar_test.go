package mr60fda1_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/drivers/mr60fda1"
	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/firmware-sim/serialsim"
	"github.com/safehub-iot/safehub/gateway"
)

const wait, tick = 5 * time.Second, 5 * time.Millisecond

// startRadar opens a simulated radar on a pty and runs the driver on it
// until the test ends.
func startRadar(tb testing.TB, clock clockwork.Clock) (*serialsim.Radar, *mr60fda1.Radar, *recorder) {
	tb.Helper()
	sim, err := serialsim.NewRadar()
	require.NoError(tb, err)
	tb.Cleanup(func() { sim.Close() })
	env := gateway.Env{HW: serialHW{}, Clock: clock}
	o := mr60fda1.DefaultOptions()
	o.Port = sim.Path()
	o.HeartbeatLimit = 30 * time.Second
	drv, err := mr60fda1.Open(env, "radar1", o)
	require.NoError(tb, err)
	rec := &recorder{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- drv.Run(ctx, rec) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("Run: %v", err)
		}
	})
	// At start the driver asks for the fall state; the answer is the
	// first fall reading.
	require.Eventually(tb, func() bool { return len(rec.Values(gateway.QFall)) == 1 }, wait, tick, "no answer to the start-up fall query")
	return sim, drv, rec
}

// settle waits until everything sent so far has been handled: a first
// marker frame shows the driver has read all earlier bytes (and sent any
// queries they caused); once the radar has answered every query, a second
// marker shows the driver has read the answers too.
func settle(tb testing.TB, sim *serialsim.Radar, drv *mr60fda1.Radar, rec *recorder) {
	tb.Helper()
	marker := func(v byte) {
		require.NoError(tb, sim.Movement(v))
		require.Eventually(tb, func() bool { return slices.Contains(rec.Values(gateway.QMovement), float64(v)) }, wait, tick, "marker %d not seen", v)
	}
	marker(98)
	require.Eventually(tb, func() bool {
		return uint64(sim.Queries(mr60fda1.CtrlFall, mr60fda1.CmdFall)) == drv.Counters().Queries
	}, wait, tick, "queries not all answered")
	marker(99)
}

func TestFallThroughNoise(t *testing.T) {
	sim, drv, rec := startRadar(t, clockwork.NewRealClock())
	require.NoError(t, sim.Noise(40))
	require.NoError(t, sim.Corrupt())
	require.NoError(t, sim.Fall())
	require.NoError(t, sim.Noise(30))
	require.NoError(t, sim.Corrupt())
	require.NoError(t, sim.Presence(true))
	settle(t, sim, drv, rec)

	if got, want := rec.Values(gateway.QFall), []float64{0, 1}; !slices.Equal(got, want) {
		t.Errorf("fall readings = %v, want %v (one fall after the start-up state)", got, want)
	}
	if got, want := rec.Values(gateway.QPresence), []float64{1}; !slices.Equal(got, want) {
		t.Errorf("presence readings = %v, want %v", got, want)
	}
	c := drv.Counters()
	if c.BadChecksum != 2 || c.Truncated != 2 || c.Garbage < 70 {
		t.Errorf("counters = %+v, want 2 bad checksums, 2 truncated, at least 70 garbage bytes", c)
	}
	// Start-up, and at least once after the resyncs.
	if q := sim.Queries(mr60fda1.CtrlFall, mr60fda1.CmdFall); q < 2 {
		t.Errorf("fall queries at the radar = %d, want at least 2", q)
	}
}

// A fall whose frame is lost to noise is still reported: the driver asks
// again after the resync and the radar answers with the new state.
func TestFallFrameLostIsAskedAgain(t *testing.T) {
	sim, drv, rec := startRadar(t, clockwork.NewRealClock())
	sim.Silence() // the fall frame goes missing on the line
	require.NoError(t, sim.Fall())
	sim.Resume()
	require.NoError(t, sim.Corrupt())
	require.Eventually(t, func() bool { return slices.Equal(rec.Values(gateway.QFall), []float64{0, 1}) }, wait, tick,
		"fall not reported after resync; readings %v, counters %+v", rec.Values(gateway.QFall), drv.Counters())
}

func TestSilentRadarIsOneFault(t *testing.T) {
	clock := clockwork.NewFakeClock()
	sim, _, rec := startRadar(t, clock)
	require.Eventually(t, func() bool { return lastIs(t, rec.Health(), event.HealthOK) }, wait, tick)
	sim.Silence()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	require.NoError(t, clock.BlockUntilContext(ctx, 1))
	clock.Advance(30 * time.Second)
	require.Eventually(t, func() bool { return lastIs(t, rec.Health(), event.HealthFault) }, wait, tick)
	clock.Advance(30 * time.Second) // still silent: no second fault
	sim.Resume()
	require.NoError(t, sim.Heartbeat())
	require.Eventually(t, func() bool { return lastIs(t, rec.Health(), event.HealthOK) }, wait, tick)
	if got, want := rec.Health(), []event.Health{event.HealthOK, event.HealthFault, event.HealthOK}; !slices.Equal(got, want) {
		t.Errorf("health = %v, want %v", got, want)
	}
}

func TestConfigure(t *testing.T) {
	drv := gateway.LookupDriver("mr60fda1")
	require.NotNil(t, drv, "driver not registered")
	tests := []struct {
		name    string
		options string
		field   string // "" for success
	}{
		{"defaults", "port: /dev/ttyAMA0", ""},
		{"all set", "port: /dev/ttyUSB0\nbaud: 115200\nheartbeat_limit: 2m", ""},
		{"no port", "baud: 115200", "port"},
		{"odd baud", "port: /dev/ttyAMA0\nbaud: 12345", "baud"},
		{"limit too short", "port: /dev/ttyAMA0\nheartbeat_limit: 1s", "heartbeat_limit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := drv.Configure(gateway.SensorSpec{ID: "r", Kind: "fall", Driver: "mr60fda1", Options: yamlOptions(tc.options)})
			if tc.field == "" {
				require.NoError(t, err)
				return
			}
			var fe *gateway.FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("got error %v, want a FieldError on %q", err, tc.field)
			}
		})
	}
	_, err := drv.Configure(gateway.SensorSpec{ID: "r", Options: yamlOptions("port: /dev/x\nspeed: 9600")})
	require.Error(t, err, "unknown option must be rejected")
}
