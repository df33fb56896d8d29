package mqgas

import (
	"math"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/firmware-sim/i2csim"
	"github.com/safehub-iot/safehub/gateway"
	"github.com/stretchr/testify/require"
	"periph.io/x/conn/v3/i2c/i2ctest"
)

// TestPlaybackRegisterTraffic pins the exact bytes: the config write that
// starts a single-shot conversion of AIN0 at ±6.144 V and 860 SPS, then the
// conversion read, once per sample.
func TestPlaybackRegisterTraffic(t *testing.T) {
	// 0xC1E3 = OS start | mux AIN0/GND | PGA 6.144 V | single-shot | 860 SPS | comparator off.
	start := i2ctest.IO{Addr: 0x48, W: []byte{0x01, 0xC1, 0xE3}}
	// 0x0D55 = 3413 codes = 0.64 V: Rs = 68.1 kΩ, Rs/R0 = 6.95, about 7 ppm LPG.
	read := i2ctest.IO{Addr: 0x48, W: []byte{0x00}, R: []byte{0x0D, 0x55}}
	bus := &i2ctest.Playback{Ops: []i2ctest.IO{start, read, start, read}, DontPanic: true}
	clk := clockwork.NewFakeClock()
	rec := start1(t, fixture(t, "mq2.yaml"), bus, clk)
	step(t, clk, rec, 5*time.Second) // warm-up over
	require.NoError(t, bus.Close())

	readings, statuses := rec.Snapshot()
	require.Empty(t, statuses)
	require.Len(t, readings, 2)
	if readings[0].Quantity != gateway.QHeartbeat {
		t.Errorf("during warm-up: got %s, want a heartbeat", readings[0].Quantity)
	}
	got := readings[1]
	cal := Calibration{LoadOhms: 10000, R0Ohms: 9800, SupplyVolts: 5}
	cal.A, cal.B = CurveFromPoints(200, 1.6, 10000, 0.27)
	want := cal.PPM(3413 * 6.144 / 32768)
	if got.Quantity != gateway.QGas || got.Unit != "ppm" || math.Abs(got.Value-want) > 1e-9 {
		t.Errorf("got %s %g %s, want gas %g ppm", got.Quantity, got.Value, got.Unit, want)
	}
}

// simGas puts an ADS1115 on a simulated bus and returns it with the
// fixture's calibration.
func simGas(tb testing.TB, clk *clockwork.FakeClock) (*i2csim.Bus, *i2csim.ADS1115, Calibration) {
	tb.Helper()
	bus := i2csim.NewBus("1")
	adc := i2csim.NewADS1115(clk)
	require.NoError(tb, bus.Attach(0x48, adc))
	op, err := Configure(gateway.SensorSpec{ID: "gas1", Options: fixture(tb, "mq2.yaml")})
	require.NoError(tb, err)
	return bus, adc, op.(*Opener).Calibration()
}

func TestGasRampOnSimulatedChip(t *testing.T) {
	clk := clockwork.NewFakeClock()
	bus, adc, cal := simGas(t, clk)
	// Clean air (Rs/R0 = 9.8 for an MQ-2) rising to 2000 ppm over 30 s.
	clean := cal.PPM(cal.Volts(cal.A * math.Pow(9.8, cal.B)))
	ppm := i2csim.Ramp(clk.Now(), clean, 2000, 30*time.Second)
	adc.Set(0, i2csim.Map(ppm, cal.Volts))

	rec := start1(t, fixture(t, "mq2.yaml"), bus, clk)
	for range 34 {
		step(t, clk, rec, time.Second)
	}
	readings, statuses := rec.Snapshot()
	require.Empty(t, statuses)
	gas := 0
	for _, r := range readings {
		if r.Time.Before(clk.Now().Add(-29 * time.Second)) { // 0–4 s: warming up
			if r.Quantity != gateway.QHeartbeat {
				t.Errorf("at %v: got %s during warm-up, want a heartbeat", r.Time, r.Quantity)
			}
			continue
		}
		gas++
		want := ppm(r.Time)
		// One ADC step at 6.144 V is 0.19 mV; 1 % covers it from clean air up.
		if r.Quantity != gateway.QGas || math.Abs(r.Value-want) > 0.01*want {
			t.Errorf("at %v: got %s %.1f, want gas %.1f ppm ±1%%", r.Time, r.Quantity, r.Value, want)
		}
	}
	if gas != 30 {
		t.Errorf("got %d gas readings, want 30", gas)
	}
	if last := readings[len(readings)-1].Value; math.Abs(last-2000) > 20 {
		t.Errorf("end of ramp: got %.1f ppm, want 2000 ±1%%", last)
	}
}

func TestFaultsOnSimulatedChip(t *testing.T) {
	tests := []struct {
		name         string
		fault        i2csim.Fault
		wantReason   string
		warmsUpAgain bool
	}{
		{name: "wire pulled", fault: i2csim.WirePulled, wantReason: "no acknowledge"},
		{name: "nack storm", fault: i2csim.NACKStorm, wantReason: "no acknowledge"},
		{name: "stuck at 0 V", fault: i2csim.StuckLow, wantReason: "stuck at 0.000 V", warmsUpAgain: true},
		{name: "stuck at full scale", fault: i2csim.StuckHigh, wantReason: "stuck at 6.144 V", warmsUpAgain: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clockwork.NewFakeClock()
			bus, adc, cal := simGas(t, clk)
			adc.SetVolts(0, cal.Volts(50))
			rec := start1(t, fixture(t, "mq2.yaml"), bus, clk)
			for range 6 {
				step(t, clk, rec, time.Second)
			}
			adc.Fail(tt.fault)
			hasStatuses := func(n int) func() bool {
				return func() bool { _, s := rec.Snapshot(); return len(s) >= n }
			}
			advanceUntil(t, clk, time.Second, hasStatuses(1))
			for range 10 { // the fault goes on: no second fault event
				n := adc.Transactions()
				clk.Advance(time.Second)
				require.Eventually(t, func() bool { return adc.Transactions() > n }, 2*time.Second, time.Millisecond)
			}
			adc.Repair()
			for i := 0; !hasStatuses(2)(); i++ { // good samples report, so step
				require.Less(t, i, 10, "no recovery reported")
				step(t, clk, rec, time.Second)
			}
			for range 6 {
				step(t, clk, rec, time.Second)
			}

			readings, statuses := rec.Snapshot()
			require.Len(t, statuses, 2, "want one fault and one recovery")
			if statuses[0].Health != event.HealthFault || !contains(statuses[0].Reason, tt.wantReason) {
				t.Errorf("first status: got %s %q, want fault mentioning %q", statuses[0].Health, statuses[0].Reason, tt.wantReason)
			}
			if statuses[1].Health != event.HealthOK {
				t.Errorf("second status: got %s, want ok", statuses[1].Health)
			}
			// After a stuck input the sensor warms up again: heartbeats first,
			// then gas; after a bus fault, gas at once.
			var after []string
			for _, r := range readings {
				if r.Time.Before(statuses[1].Time) {
					continue
				}
				if n := len(after); n == 0 || after[n-1] != r.Quantity {
					after = append(after, r.Quantity)
				}
				if r.Quantity == gateway.QGas && math.Abs(r.Value-50) > 0.5 {
					t.Errorf("at recovery +%v: got %.2f ppm, want 50", r.Time.Sub(statuses[1].Time), r.Value)
				}
			}
			want := []string{gateway.QGas}
			if tt.warmsUpAgain {
				want = []string{gateway.QHeartbeat, gateway.QGas}
			}
			require.Equal(t, want, after, "readings after recovery")
		})
	}
}

func TestLostSamplesBelowFaultAfter(t *testing.T) {
	tests := []struct {
		name       string
		faultAfter int
		want       []event.Health
	}{
		{name: "three isolated blips with fault_after 3", faultAfter: 3, want: nil},
		{name: "three isolated blips with fault_after 1", faultAfter: 1, want: []event.Health{
			event.HealthFault, event.HealthOK, event.HealthFault, event.HealthOK, event.HealthFault, event.HealthOK,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clockwork.NewFakeClock()
			bus, adc, cal := simGas(t, clk)
			adc.SetVolts(0, cal.Volts(50))
			rec := start1(t, withOption(t, fixture(t, "mq2.yaml"), "fault_after", tt.faultAfter), bus, clk)
			for range 6 {
				step(t, clk, rec, time.Second)
			}
			for range 3 {
				adc.Fail(i2csim.WirePulled)
				n := adc.NACKs()
				clk.Advance(time.Second)
				require.Eventually(t, func() bool { return adc.NACKs() > n }, 2*time.Second, time.Millisecond)
				adc.Repair()
				for range 3 {
					step(t, clk, rec, time.Second)
				}
			}
			_, statuses := rec.Snapshot()
			var got []event.Health
			for _, s := range statuses {
				got = append(got, s.Health)
			}
			require.Equal(t, tt.want, got)
		})
	}
}
