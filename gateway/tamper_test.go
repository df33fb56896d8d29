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
	"github.com/safehub-iot/safehub/rules"
)

func startPipeline(t *testing.T, eval gateway.Evaluator, start time.Time) (*gateway.Pipeline, <-chan event.Event) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "box.db"))
	if err != nil {
		t.Fatal(err)
	}
	p := gateway.NewPipeline(gateway.PipelineConfig{Site: "rose-12", Store: st, Evaluator: eval, Clock: clockwork.NewFakeClockAt(start),
		Sensors: []gateway.SensorSpec{{ID: "door", Kind: "door_contact"}}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	events, unsub := p.Subscribe(64)
	done := make(chan struct{})
	go func() { defer close(done); _ = p.Run(ctx) }()
	t.Cleanup(func() { unsub(); cancel(); <-done; st.Close() })
	return p, events
}

// A tamper report (a sensor's case opened) becomes a tamper event for the
// center's maintenance list, whatever the rules say; a device repeating it
// is one event until TamperRenotify has passed.
func TestTamperEvents(t *testing.T) {
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	p, events := startPipeline(t, gateway.NewBuiltinRules(nil), start)
	em := p.Emitter("door")
	for _, at := range []time.Duration{0, time.Minute, gateway.TamperRenotify} {
		em.Reading(gateway.Reading{Quantity: gateway.QTamper, Value: 1, Time: start.Add(at)})
	}
	em.Status(gateway.Status{Health: event.HealthFault, Reason: "marker", Time: start.Add(48 * time.Hour)})
	var got []time.Duration
	for ev := range events {
		if ev.Kind == event.SensorFault {
			break
		}
		if ev.Kind != event.Tamper || ev.Sensor != "door" || ev.SensorKind != "door_contact" || ev.Message == "" {
			t.Fatalf("unexpected event %+v", ev)
		}
		got = append(got, ev.Time.Sub(start))
	}
	if want := []time.Duration{0, gateway.TamperRenotify}; len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("tamper events at %v, want %v", got, want)
	}
}

// A fault the rules find (chatter) shows in the sensor's health, which the
// local API's status and the heartbeat report, and goes when it ends.
func TestRuleFaultInHealth(t *testing.T) {
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	eng, err := rules.New([]rules.Rule{{ID: "chatter", Kind: rules.Health, Severity: event.High, Sensors: []string{"door"}, ChatterChanges: 2, ChatterPer: time.Minute}}, rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, events := startPipeline(t, eng, start)
	em := p.Emitter("door")
	for i := range 4 {
		em.Reading(gateway.Reading{Quantity: gateway.QActive, Value: float64(i % 2)})
	}
	for ev := range events {
		if ev.Kind == event.SensorFault {
			break
		}
	}
	h := p.Health()
	if len(h) != 1 || h[0].Health != event.HealthFault || h[0].Reason == "" {
		t.Fatalf("health after chatter: got %+v, want a fault with its reason", h)
	}
	// The driver reporting trouble too is still its own fault event.
	em.Status(gateway.Status{Health: event.HealthFault, Reason: "radio lost"})
	for ev := range events {
		if ev.Kind == event.SensorFault && ev.Message == "radio lost" {
			break
		}
	}
}
