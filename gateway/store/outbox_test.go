package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/safehub-iot/safehub/event"
)

func openOutboxTest(tb testing.TB) *Store {
	tb.Helper()
	s, err := Open(context.Background(), filepath.Join(tb.TempDir(), "box.db"))
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func appendKinds(tb testing.TB, s *Store, kinds ...event.Kind) []*event.Event {
	tb.Helper()
	var evs []*event.Event
	for i, k := range kinds {
		ev := &event.Event{Kind: k, Severity: event.Info, Sensor: fmt.Sprintf("s%d", i), Time: time.UnixMilli(1_700_000_000_000 + int64(i))}
		if k == event.AlarmRaised {
			ev.ID = event.NewID()
			ev.AlarmID = ev.ID
			ev.Severity = event.Critical
		}
		evs = append(evs, ev)
	}
	if err := s.Append(context.Background(), evs...); err != nil {
		tb.Fatalf("append: %v", err)
	}
	return evs
}

func TestEvictTelemetry(t *testing.T) {
	ctx := context.Background()
	tel, alarm := event.StateChange, event.AlarmRaised
	tests := []struct {
		name        string
		kinds       []event.Kind
		max         int
		wantEvicted int64
		wantPending []int64 // seqs left in the outbox, in Pending order
	}{
		{name: "under the bound", kinds: []event.Kind{tel, alarm, tel}, max: 3, wantEvicted: 0, wantPending: []int64{2, 1, 3}},
		{name: "oldest telemetry first", kinds: []event.Kind{tel, tel, alarm, tel}, max: 2, wantEvicted: 2, wantPending: []int64{3, 4}},
		{name: "alarms never", kinds: []event.Kind{alarm, tel, alarm, alarm}, max: 1, wantEvicted: 1, wantPending: []int64{1, 3, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openOutboxTest(t)
			appendKinds(t, s, tt.kinds...)
			got, err := s.EvictTelemetry(ctx, tt.max)
			if err != nil || got != tt.wantEvicted {
				t.Fatalf("EvictTelemetry(%d) = %d, %v; want %d", tt.max, got, err, tt.wantEvicted)
			}
			pend, err := s.Pending(ctx, 100)
			if err != nil {
				t.Fatal(err)
			}
			var seqs []int64
			for _, ev := range pend {
				seqs = append(seqs, ev.Seq)
			}
			if fmt.Sprint(seqs) != fmt.Sprint(tt.wantPending) {
				t.Fatalf("pending after eviction = %v, want %v", seqs, tt.wantPending)
			}
			n, _, err := s.OutboxDepth(ctx)
			if err != nil || n != len(tt.wantPending) {
				t.Fatalf("OutboxDepth = %d, %v; want %d", n, err, len(tt.wantPending))
			}
			all, err := s.Events(ctx, 0, 100)
			if err != nil || len(all) != len(tt.kinds) {
				t.Fatalf("Events = %d events, %v; want all %d still in the log", len(all), err, len(tt.kinds))
			}
		})
	}
}

func TestResendDueAndAck(t *testing.T) {
	ctx := context.Background()
	s := openOutboxTest(t)
	evs := appendKinds(t, s, event.AlarmRaised, event.StateChange, event.AlarmRaised)
	t0 := time.UnixMilli(1_800_000_000_000)

	due, err := s.ResendDue(ctx, t0, 10)
	if err != nil || len(due) != 0 {
		t.Fatalf("ResendDue before any publish = %d events, %v; want none (unsent alarms are still in the outbox)", len(due), err)
	}
	if err := s.MarkPublished(ctx, t0, 1, 2, 3); err != nil {
		t.Fatal(err)
	}
	due, err = s.ResendDue(ctx, t0.Add(-time.Second), 10)
	if err != nil || len(due) != 0 {
		t.Fatalf("ResendDue(before the publish) = %d, %v; want 0", len(due), err)
	}
	due, err = s.ResendDue(ctx, t0, 10)
	if err != nil || len(due) != 2 || due[0].Seq != 1 || due[1].Seq != 3 {
		t.Fatalf("ResendDue(at the publish) = %+v, %v; want the two alarms", due, err)
	}
	if err := s.MarkResent(ctx, t0.Add(time.Minute), 1); err != nil {
		t.Fatal(err)
	}
	due, _ = s.ResendDue(ctx, t0.Add(time.Second), 10)
	if len(due) != 1 || due[0].Seq != 3 {
		t.Fatalf("after resending seq 1, ResendDue = %+v; want only seq 3", due)
	}

	found, acked, err := s.AlarmStatus(ctx, evs[2].ID)
	if err != nil || !found || !acked.IsZero() {
		t.Fatalf("AlarmStatus before ack = %v, %v, %v; want found, not acked", found, acked, err)
	}
	if ok, err := s.MarkAcked(ctx, evs[2].ID, t0); err != nil || !ok {
		t.Fatalf("MarkAcked = %v, %v", ok, err)
	}
	found, acked, err = s.AlarmStatus(ctx, evs[2].ID)
	if err != nil || !found || !acked.Equal(t0) {
		t.Fatalf("AlarmStatus after ack = %v, %v, %v; want found, acked at %v", found, acked, err, t0)
	}
	if found, _, err := s.AlarmStatus(ctx, "no-such-alarm"); err != nil || found {
		t.Fatalf("AlarmStatus(unknown) = %v, %v; want not found", found, err)
	}
	if n, err := s.CountUnacked(ctx); err != nil || n != 1 {
		t.Fatalf("CountUnacked = %d, %v; want 1", n, err)
	}
	due, _ = s.ResendDue(ctx, t0.Add(time.Hour), 10)
	if len(due) != 1 || due[0].Seq != 1 {
		t.Fatalf("ResendDue after acking seq 3 = %+v; want only seq 1", due)
	}
}

// PUBACK marks are committed without their own fsync, but the connection
// they used goes back to synchronous=FULL, so the next alarm's commit is
// fsynced; and Committed follows every commit without a query.
func TestMarksLeaveCommitsFullySynced(t *testing.T) {
	ctx := context.Background()
	s := openOutboxTest(t)
	if got := s.Committed(); got != 0 {
		t.Fatalf("new store: Committed = %d, want 0", got)
	}
	evs := appendKinds(t, s, event.AlarmRaised, event.StateChange)
	if got := s.Committed(); got != evs[1].Seq {
		t.Fatalf("Committed = %d, want %d", got, evs[1].Seq)
	}
	if err := s.MarkPublished(ctx, time.Now(), evs[0].Seq, evs[1].Seq); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkResent(ctx, time.Now(), evs[0].Seq); err != nil {
		t.Fatal(err)
	}
	var mode int
	if err := s.db.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != 2 { // FULL
		t.Fatalf("after the marks: synchronous = %d, want 2 (FULL)", mode)
	}
	if n, _, err := s.OutboxDepth(ctx); err != nil || n != 0 {
		t.Fatalf("outbox depth after marks = %d, %v; want 0", n, err)
	}

	// Reopened, Committed starts from the stored sequence.
	path := s.Path()
	s.Close()
	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if got := s2.Committed(); got != evs[1].Seq {
		t.Fatalf("reopened: Committed = %d, want %d", got, evs[1].Seq)
	}
}
