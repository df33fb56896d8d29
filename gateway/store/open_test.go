package store

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/safehub-iot/safehub/event"
)

// An alarm cleared or cancelled at home, or acknowledged by the center, is
// handled: only the others are open, each with its escalations. Pruning
// never makes a cleared alarm open again.
func TestOpenAlarms(t *testing.T) {
	ctx := context.Background()
	s := openOutboxTest(t)
	t0 := time.UnixMilli(1_700_000_000_000)
	var evs []*event.Event
	add := func(kind event.Kind, alarm string) *event.Event {
		ev := &event.Event{ID: event.NewID(), Kind: kind, Severity: event.Critical, AlarmID: alarm, Time: t0.Add(time.Duration(len(evs)) * time.Second)}
		if kind == event.AlarmRaised {
			ev.AlarmID = ev.ID
		}
		evs = append(evs, ev)
		return ev
	}
	open := add(event.AlarmRaised, "")
	cleared := add(event.AlarmRaised, "")
	cancelled := add(event.AlarmRaised, "")
	acked := add(event.AlarmRaised, "")
	esc := add(event.AlarmEscalated, open.ID)
	add(event.AlarmCleared, cleared.ID)
	add(event.AlarmCancelled, cancelled.ID)
	add(event.AlarmEscalated, cleared.ID)
	if err := s.Append(ctx, evs...); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MarkAcked(ctx, acked.ID, t0); err != nil {
		t.Fatal(err)
	}
	var seqs []int64
	for _, ev := range evs {
		seqs = append(seqs, ev.Seq)
	}
	if err := s.MarkPublished(ctx, t0, seqs...); err != nil {
		t.Fatal(err)
	}
	ids := func() []string {
		t.Helper()
		got, err := s.OpenAlarms(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, ev := range got {
			out = append(out, ev.ID)
		}
		return out
	}
	if got, want := ids(), []string{open.ID, esc.ID}; !slices.Equal(got, want) {
		t.Fatalf("OpenAlarms = %v, want the open alarm and its escalation %v", got, want)
	}
	if _, err := s.Prune(ctx, t0.Add(365*24*time.Hour), time.Hour, 0); err != nil {
		t.Fatal(err)
	}
	if got, want := ids(), []string{open.ID, esc.ID}; !slices.Equal(got, want) {
		t.Errorf("after pruning OpenAlarms = %v, want %v (cleared alarms stay cleared)", got, want)
	}
}
