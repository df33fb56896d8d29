package rules_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/rules"
)

// benchHome is a large home with 50 rules: gas, heat, cold and humidity
// thresholds, buttons, smoke, inactivity, night door, falls and health
// rules watching every sensor.
func benchHome(tb testing.TB) (*rules.Engine, []gateway.Reading) {
	tb.Helper()
	var rs []rules.Rule
	var readings []gateway.Reading
	add := func(r rules.Rule) { rs = append(rs, r) }
	var all []string
	for i := range 10 {
		gas, clim := fmt.Sprintf("gas-%d", i), fmt.Sprintf("climate-%d", i)
		all = append(all, gas, clim)
		add(rules.Rule{ID: "gas-" + gas, Kind: rules.Threshold, Severity: event.Critical, Sensors: []string{gas}, Quantity: gateway.QGas, RaiseAt: 2000, ClearAt: 1000, RaiseAfter: 10 * time.Second, ClearAfter: 2 * time.Minute, Siren: true})
		add(rules.Rule{ID: "hot-" + clim, Kind: rules.Threshold, Severity: event.High, Sensors: []string{clim}, Quantity: gateway.QTemperature, RaiseAt: 30, ClearAt: 28, RaiseAfter: 2 * time.Hour, ClearAfter: 30 * time.Minute})
		add(rules.Rule{ID: "cold-" + clim, Kind: rules.Threshold, Severity: event.High, Sensors: []string{clim}, Quantity: gateway.QTemperature, Below: true, RaiseAt: 16, ClearAt: 18, RaiseAfter: 3 * time.Hour, ClearAfter: 30 * time.Minute})
		readings = append(readings,
			gateway.Reading{Sensor: gas, Quantity: gateway.QGas, Value: 120},
			gateway.Reading{Sensor: clim, Quantity: gateway.QTemperature, Value: 21.5},
			gateway.Reading{Sensor: clim, Quantity: gateway.QHumidity, Value: 45})
	}
	for i := range 2 {
		clim := fmt.Sprintf("climate-%d", i)
		add(rules.Rule{ID: "damp-" + clim, Kind: rules.Threshold, Severity: event.Low, Sensors: []string{clim}, Quantity: gateway.QHumidity, RaiseAt: 80, ClearAt: 70, RaiseAfter: 6 * time.Hour})
	}
	var motion []string
	for i := range 8 {
		btn, m := fmt.Sprintf("button-%d", i), fmt.Sprintf("motion-%d", i)
		all = append(all, btn, m)
		motion = append(motion, m)
		add(rules.Rule{ID: "button-" + btn, Kind: rules.Digital, Severity: event.Critical, Until: rules.UntilAck, Sensors: []string{btn}})
		readings = append(readings,
			gateway.Reading{Sensor: btn, Quantity: gateway.QActive, Value: 0},
			gateway.Reading{Sensor: m, Quantity: gateway.QActive, Value: 0})
	}
	for i := range 5 {
		add(rules.Rule{ID: fmt.Sprintf("not-up-%d", i), Kind: rules.Inactivity, Severity: event.High, Sensors: motion, Window: rules.Window{From: 7 * 60, To: 11 * 60}, Quiet: 4 * time.Hour})
	}
	all = append(all, "door", "radar-0", "radar-1")
	add(rules.Rule{ID: "night-door", Kind: rules.NightDoor, Severity: event.High, Door: "door", Inside: motion[:2], Window: rules.Window{From: 23 * 60, To: 6 * 60}, Within: 10 * time.Minute})
	for i := range 2 {
		r := fmt.Sprintf("radar-%d", i)
		add(rules.Rule{ID: "fall-" + r, Kind: rules.Fall, Severity: event.Critical, Sensors: []string{r}, CancelWindow: time.Minute, CancelBy: []string{"button-0"}})
		readings = append(readings, gateway.Reading{Sensor: r, Quantity: gateway.QPresence, Value: 1}, gateway.Reading{Sensor: r, Quantity: gateway.QHeartbeat})
	}
	readings = append(readings, gateway.Reading{Sensor: "door", Quantity: gateway.QActive, Value: 0})
	add(rules.Rule{ID: "health-silent", Kind: rules.Health, Sensors: all[:20], StaleAfter: 10 * time.Minute})
	add(rules.Rule{ID: "health-chatter", Kind: rules.Health, Sensors: all[20:], ChatterChanges: 10, ChatterPer: time.Minute})
	if len(rs) != 50 {
		tb.Fatalf("bench home has %d rules, want 50", len(rs))
	}
	e, err := rules.New(rs, rules.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return e, readings
}

// oneSensor50 is the worst case: every reading passes all 50 rules.
func oneSensor50(tb testing.TB) (*rules.Engine, []gateway.Reading) {
	tb.Helper()
	var rs []rules.Rule
	for i := range 49 {
		rs = append(rs, rules.Rule{ID: fmt.Sprintf("gas-%d", i), Kind: rules.Threshold, Severity: event.High, Sensors: []string{"gas"}, Quantity: gateway.QGas, RaiseAt: float64(2000 + i), ClearAt: 1000, RaiseAfter: 10 * time.Second})
	}
	rs = append(rs, rules.Rule{ID: "health", Kind: rules.Health, Sensors: []string{"gas"}, StaleAfter: 10 * time.Minute})
	e, err := rules.New(rs, rules.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return e, []gateway.Reading{{Sensor: "gas", Quantity: gateway.QGas, Value: 120}, {Sensor: "gas", Quantity: gateway.QGas, Value: 130}}
}

// BenchmarkReading measures readings that change nothing, as the pipeline
// drives them: Reading, then SaveState and NextWake, each turn.
func BenchmarkReading(b *testing.B) {
	for _, bc := range []struct {
		name  string
		build func(testing.TB) (*rules.Engine, []gateway.Reading)
	}{
		{name: "home-50-rules", build: benchHome},
		{name: "one-sensor-50-rules", build: oneSensor50},
	} {
		b.Run(bc.name, func(b *testing.B) {
			e, rs := bc.build(b)
			now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
			e.Tick(now)
			for _, r := range rs { // baselines
				e.Reading(now, r)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				now = now.Add(time.Microsecond)
				r := rs[i%len(rs)]
				r.Time = now
				if acts := e.Reading(now, r); len(acts) != 0 {
					b.Fatalf("reading %+v: got %d actions, want none", r, len(acts))
				}
				if _, changed, _ := e.SaveState(); changed && i > len(rs) {
					b.Fatalf("reading %+v changed the saved state", r)
				}
				e.NextWake()
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "readings/s")
		})
	}
}
