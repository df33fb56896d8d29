package rfbridge_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/drivers/rfbridge"
	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/firmware-sim/serialsim"
	"github.com/safehub-iot/safehub/gateway"
)

const wait, tick = 5 * time.Second, 5 * time.Millisecond

const (
	pendant = 0xA1B2C // address
	press   = pendant<<4 | 0x3
	lowBatt = pendant<<4 | 0x4
	tamper  = pendant<<4 | 0x8
)

type rig struct {
	sim    *serialsim.RFBridge
	clock  *clockwork.FakeClock
	env    gateway.Env
	bridge *rfbridge.Bridge
}

func newRig(tb testing.TB) *rig {
	tb.Helper()
	sim, err := serialsim.NewRFBridge()
	require.NoError(tb, err)
	tb.Cleanup(func() { sim.Close() })
	r := &rig{sim: sim, clock: clockwork.NewFakeClock()}
	r.env = gateway.Env{HW: serialHW{}, Clock: r.clock}
	r.bridge, err = rfbridge.OpenBridge(r.env, sim.Path(), 19200)
	require.NoError(tb, err)
	tb.Cleanup(func() { r.bridge.Close() })
	return r
}

// start pairs a device and runs its sensor until the test ends.
func (r *rig) start(tb testing.TB, id string, addr uint32, events map[string]uint8) (*rfbridge.Sensor, *recorder) {
	tb.Helper()
	o := rfbridge.DefaultOptions()
	o.Port, o.Address, o.Events, o.CheckIn = r.sim.Path(), addr, events, time.Hour
	s, err := rfbridge.Open(r.env, id, o)
	require.NoError(tb, err)
	rec := &recorder{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, rec) }()
	tb.Cleanup(func() {
		cancel()
		require.NoError(tb, <-done)
	})
	return s, rec
}

// send sends code and waits for the host's acknowledgements, so the code
// is stamped before the test moves the clock.
func (r *rig) send(tb testing.TB, code uint32, repeats int) {
	tb.Helper()
	n := r.sim.Acks()
	require.NoError(tb, r.sim.Send(code, repeats))
	require.Eventually(tb, func() bool { return r.sim.Acks() == n+repeats }, wait, tick, "bridge not acknowledged")
}

func TestPressRepeatedFiveTimesInOneSecondIsOnePress(t *testing.T) {
	r := newRig(t)
	s, rec := r.start(t, "pendant1", pendant, map[string]uint8{"press": 3, "low_battery": 4})
	for i := range 5 {
		if i > 0 {
			r.clock.Advance(200 * time.Millisecond)
		}
		r.send(t, press, 1)
	}
	r.send(t, lowBatt, 1) // marker: everything before it has been handled
	require.Eventually(t, func() bool { return len(rec.Values(gateway.QBatteryLow)) == 1 }, wait, tick)
	if got := rec.Values(gateway.QPress); len(got) != 1 {
		t.Fatalf("press readings = %v, want exactly one", got)
	}
	// A burst of 8 in one write, later, is the next press.
	r.clock.Advance(5 * time.Second)
	r.send(t, press, 8)
	require.Eventually(t, func() bool { return len(rec.Values(gateway.QPress)) == 2 }, wait, tick)
	r.send(t, tamper, 1) // not in this pendant's config: a marker that reports nothing
	require.Eventually(t, func() bool { _, unk := s.Events(); return unk == 1 }, wait, tick)
	if got := rec.Values(gateway.QPress); len(got) != 2 {
		t.Errorf("press readings = %v, want two", got)
	}
}

func TestSilentDeviceIsOneDeviceMissing(t *testing.T) {
	r := newRig(t)
	_, rec := r.start(t, "door1", 0x12345, map[string]uint8{"open": 0xA, "close": 0xE})
	r.send(t, 0x12345A, 4)
	require.Eventually(t, func() bool { return slices.Equal(rec.Values(gateway.QActive), []float64{1}) }, wait, tick)
	require.Eventually(t, func() bool { return lastIs(t, rec.Health(), event.HealthOK) }, wait, tick)

	r.clock.Advance(59 * time.Minute)
	r.clock.Advance(time.Minute) // check-in limit: 1h
	require.Eventually(t, func() bool { return lastIs(t, rec.Health(), event.HealthFault) }, wait, tick)
	r.clock.Advance(3 * time.Hour) // still silent: no second report
	r.send(t, 0x12345E, 4)
	require.Eventually(t, func() bool { return slices.Equal(rec.Values(gateway.QActive), []float64{1, 0}) }, wait, tick)
	want := []event.Health{event.HealthOK, event.HealthFault, event.HealthOK}
	require.Eventually(t, func() bool { return slices.Equal(rec.Health(), want) }, wait, tick, "health = %v, want %v", rec.Health(), want)
	_, statuses := rec.Snapshot()
	reason := statuses[1].Reason
	if reason != "device missing: no signal for 1h0m0s" {
		t.Errorf("fault reason = %q", reason)
	}
}

func TestUnknownCodesAreCountedNotReported(t *testing.T) {
	r := newRig(t)
	s, rec := r.start(t, "pendant1", pendant, map[string]uint8{"press": 3, "low_battery": 4, "tamper": 8})
	require.NoError(t, r.sim.Noise(10))
	r.send(t, 0xFFFFF1, 3)       // a neighbour's doorbell
	r.send(t, pendant<<4|0x5, 1) // our pendant, data bits not in config
	r.send(t, tamper, 1)
	r.send(t, lowBatt, 1)
	require.Eventually(t, func() bool { return len(rec.Values(gateway.QBatteryLow)) == 1 }, wait, tick)
	if got := rec.Values(gateway.QTamper); len(got) != 1 {
		t.Errorf("tamper readings = %v, want one", got)
	}
	if got := rec.Values(gateway.QPress); len(got) != 0 {
		t.Errorf("press readings = %v, want none", got)
	}
	st := r.bridge.Stats()
	if st.Unknown != 3 || st.Garbage != 10 || st.Frames != 6 {
		t.Errorf("bridge stats = %+v, want 3 unknown, 10 garbage, 6 frames", st)
	}
	if ev, unk := s.Events(); ev != 2 || unk != 1 {
		t.Errorf("sensor events, unknown bits = %d, %d; want 2, 1", ev, unk)
	}
}

func TestLearn(t *testing.T) {
	r := newRig(t)
	r.start(t, "pendant1", pendant, map[string]uint8{"press": 3})
	ctx := context.Background()
	got := make(chan rfbridge.Code, 1)
	go func() {
		c, err := rfbridge.Learn(ctx, r.sim.Path(), time.Minute)
		if err != nil {
			t.Errorf("Learn: %v", err)
		}
		got <- c
	}()
	require.NoError(t, r.clock.BlockUntilContext(ctx, 2)) // supervision + learn timeout
	r.send(t, press, 2)                                   // paired: not learned
	r.send(t, 0x54321B, 4)                                // the new device
	c := <-got
	if c != 0x54321B || c.Address() != 0x54321 {
		t.Errorf("learned %v (address %05X), want 54321B", c, c.Address())
	}

	go func() {
		_, err := rfbridge.Learn(ctx, r.sim.Path(), time.Minute)
		got <- 0
		if !errors.Is(err, rfbridge.ErrLearnTimeout) {
			t.Errorf("Learn with nothing heard: %v, want ErrLearnTimeout", err)
		}
	}()
	require.NoError(t, r.clock.BlockUntilContext(ctx, 2))
	r.clock.Advance(time.Minute)
	<-got

	if _, err := rfbridge.Learn(ctx, "/dev/nonexistent", time.Second); !errors.Is(err, rfbridge.ErrNoBridge) {
		t.Errorf("Learn on a closed port: %v, want ErrNoBridge", err)
	}
}

func TestConfigure(t *testing.T) {
	drv := gateway.LookupDriver("rf433")
	require.NotNil(t, drv)
	base := "port: /dev/ttyUSB0\naddress: 0xA1B2C\ncheck_in: 24h\n"
	tests := []struct {
		name, kind, options, field string
	}{
		{"pendant", "pendant", base + "events: {press: 0x3, low_battery: 0x4}", ""},
		{"door", "door", base + "events: {open: 0xA, close: 0xE, tamper: 0x7}\nrepeat_window: 2s", ""},
		{"no port", "pendant", "address: 0x1\ncheck_in: 1h\nevents: {press: 1}", "port"},
		{"address too wide", "pendant", "port: /dev/x\naddress: 0x1FFFFF\ncheck_in: 1h\nevents: {press: 1}", "address"},
		{"no check-in", "pendant", "port: /dev/x\naddress: 0x1\nevents: {press: 1}", "check_in"},
		{"no events", "pendant", base, "events"},
		{"unknown event", "pendant", base + "events: {press: 1, boom: 2}", "events"},
		{"bits too wide", "pendant", base + "events: {press: 0x10}", "events"},
		{"duplicate bits", "door", base + "events: {open: 1, close: 1}", "events"},
		{"smoke without alarm", "smoke", base + "events: {low_battery: 1}", "events"},
		{"repeat window too long", "pendant", base + "events: {press: 1}\nrepeat_window: 1m", "repeat_window"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := drv.Configure(gateway.SensorSpec{ID: "d", Kind: event.SensorKind(tc.kind), Driver: "rf433", Options: yamlOptions(tc.options)})
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
}
