package gateway_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/gateway/store"
)

// A low-battery report becomes one low_battery notice per episode, again
// only after BatteryRenotify if the device keeps reporting it, and afresh
// after a report of a good battery; the rules need not know about it.
func TestLowBatteryNotices(t *testing.T) {
	type report struct {
		at  time.Duration
		low bool
	}
	tests := []struct {
		name    string
		reports []report
		want    []time.Duration // when notices are raised
	}{
		{name: "repeats are one notice", reports: []report{{0, true}, {time.Second, true}, {time.Hour, true}}, want: []time.Duration{0}},
		{name: "still low a day later", reports: []report{{0, true}, {23 * time.Hour, true}, {gateway.BatteryRenotify, true}, {gateway.BatteryRenotify + time.Minute, true}}, want: []time.Duration{0, gateway.BatteryRenotify}},
		{name: "replaced, then low again", reports: []report{{0, true}, {time.Hour, false}, {2 * time.Hour, true}}, want: []time.Duration{0, 2 * time.Hour}},
		{name: "good battery says nothing", reports: []report{{0, false}, {time.Hour, false}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			st, err := store.Open(ctx, filepath.Join(t.TempDir(), "box.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
			clock := clockwork.NewFakeClockAt(start)
			p := gateway.NewPipeline(gateway.PipelineConfig{Site: "rose-12", Store: st, Evaluator: gateway.NewBuiltinRules(nil), Clock: clock,
				Sensors: []gateway.SensorSpec{{ID: "pendant-1", Kind: "pendant"}}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
			events, unsub := p.Subscribe(64)
			defer unsub()
			done := make(chan struct{})
			go func() { defer close(done); _ = p.Run(ctx) }()
			em := p.Emitter("pendant-1")
			for _, r := range tc.reports {
				v := 0.0
				if r.low {
					v = 1
				}
				em.Reading(gateway.Reading{Quantity: gateway.QBatteryLow, Value: v, Time: start.Add(r.at)})
			}
			// A marker through the same queue, after the reports: a fault,
			// whose event is committed after theirs.
			em.Status(gateway.Status{Health: event.HealthFault, Reason: "marker", Time: start.Add(48 * time.Hour)})
			var got []time.Duration
			for ev := range events {
				if ev.Kind == event.SensorFault {
					break
				}
				if ev.Kind != event.LowBattery || ev.Sensor != "pendant-1" || ev.Severity != event.Low || ev.SensorKind != "pendant" {
					t.Fatalf("unexpected event %+v", ev)
				}
				got = append(got, ev.Time.Sub(start))
			}
			if len(got) != len(tc.want) {
				t.Fatalf("notices at %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("notices at %v, want %v", got, tc.want)
				}
			}
			cancel()
			<-done
		})
	}
}
