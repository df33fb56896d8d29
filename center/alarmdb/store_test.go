package alarmdb

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/safehub-iot/safehub/event"
	"github.com/stretchr/testify/require"
)

// TestStoreMessagesInOrder: statuses, sightings and events of one batch
// take effect in batch order, as if stored one by one.
func TestStoreMessagesInOrder(t *testing.T) {
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	seen := func(site string, s int) Message { return Message{Sighting: &Sighting{Site: site, At: at(s)}} }
	status := func(site, state string, s int) Message {
		return Message{Status: &Status{Site: site, State: state, At: at(s)}}
	}
	event := func(site string, seq int64, s int) Message {
		in := alarmEvent(site, seq, event.Critical)
		in.Received = at(s)
		return Message{Event: &in, Sighting: &Sighting{Site: site, At: at(s)}}
	}
	tests := []struct {
		name        string
		batches     [][]Message
		wantOnline  bool
		wantOutages int
		wantOpen    bool // the last outage is still open
		wantBack    []string
		wantChanged bool // in the last batch
	}{
		{name: "heard from", batches: [][]Message{{seen("h", 1), event("h", 1, 2)}},
			wantOnline: true, wantChanged: true},
		{name: "last will after heartbeat", batches: [][]Message{{seen("h", 1), status("h", "offline", 2)}},
			wantOnline: false, wantOutages: 1, wantOpen: true, wantChanged: true},
		{name: "event after last will", batches: [][]Message{{seen("h", 1)}, {status("h", "offline", 2), event("h", 1, 3)}},
			wantOnline: true, wantOutages: 1, wantBack: []string{"h"}, wantChanged: true},
		{name: "online status after last will", batches: [][]Message{{seen("h", 1), status("h", "offline", 2), status("h", "online", 3)}},
			wantOnline: true, wantOutages: 1, wantBack: []string{"h"}, wantChanged: true},
		{name: "repeated last will", batches: [][]Message{{seen("h", 1), status("h", "offline", 2)}, {status("h", "offline", 3)}},
			wantOnline: false, wantOutages: 1, wantOpen: true, wantChanged: false},
		{name: "online already", batches: [][]Message{{seen("h", 1)}, {event("h", 1, 2), seen("h", 3)}},
			wantOnline: true, wantChanged: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, _ := openTest(t)
			ctx := context.Background()
			var res IngestResult
			for _, b := range tt.batches {
				var err error
				res, err = db.Store(ctx, b)
				require.NoError(t, err)
			}
			require.Equal(t, tt.wantBack, res.Back, "homes back, last batch")
			require.Equal(t, tt.wantChanged, res.Changed, "online state changed, last batch")
			homes, err := db.Homes(ctx)
			require.NoError(t, err)
			require.Len(t, homes, 1)
			if got := homes[0].Online; got != tt.wantOnline {
				t.Errorf("online: got %v, want %v", got, tt.wantOnline)
			}
			outages, err := db.Outages(ctx, "h")
			require.NoError(t, err)
			require.Len(t, outages, tt.wantOutages)
			if tt.wantOutages > 0 {
				if open := outages[0].Ended.IsZero(); open != tt.wantOpen {
					t.Errorf("last outage open: got %v, want %v", open, tt.wantOpen)
				}
				if !outages[0].Started.Equal(at(1)) {
					t.Errorf("outage start: got %v, want the last sighting %v", outages[0].Started, at(1))
				}
			}
		})
	}
}

// TestStoreLastSeenAndHeartbeat: one write per home per batch keeps the
// latest sighting and the heartbeat limit last announced.
func TestStoreLastSeenAndHeartbeat(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	_, err := db.Store(ctx, []Message{
		{Sighting: &Sighting{Site: "h", At: t0.Add(2 * time.Second), HeartbeatLimit: time.Minute}},
		{Sighting: &Sighting{Site: "h", At: t0.Add(time.Second)}}, // reordered: older
		{Status: &Status{Site: "h", State: "online", At: t0}},
	})
	require.NoError(t, err)
	homes, err := db.Homes(ctx)
	require.NoError(t, err)
	require.Len(t, homes, 1)
	h := homes[0]
	if !h.LastSeen.Equal(t0.Add(2*time.Second)) || h.HeartbeatLimit != time.Minute || h.Status != "online" || !h.Online {
		t.Fatalf("home: got last seen %v limit %v status %q online %v, want %v, 1m, online, true",
			h.LastSeen, h.HeartbeatLimit, h.Status, h.Online, t0.Add(2*time.Second))
	}
}

// TestStoreAllOrNothing: a batch with a bad message stores nothing of it,
// so the ingest loop can retry it whole.
func TestStoreAllOrNothing(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	good := alarmEvent("h", 1, event.Critical)
	bad := alarmEvent("h", 2, event.Critical)
	bad.Event.ID = ""
	_, err := db.Store(ctx, []Message{
		{Event: &good, Sighting: &Sighting{Site: "h", At: t0}},
		{Status: &Status{Site: "h", State: "offline", At: t0}},
		{Event: &bad},
	})
	require.Error(t, err)
	n, err := db.CountEvents(ctx)
	require.NoError(t, err)
	homes, err := db.Homes(ctx)
	require.NoError(t, err)
	if n != 0 || len(homes) != 0 {
		t.Fatalf("after a failed batch: got %d events and %d homes, want none", n, len(homes))
	}
	// The same batch without the bad message goes in whole.
	res, err := db.Store(ctx, []Message{{Event: &good, Sighting: &Sighting{Site: "h", At: t0}}})
	require.NoError(t, err)
	require.Len(t, res.NewAlarms, 1)
}

// TestResentAlarmRearmsAck: a box that resends an alarm whose
// acknowledgement went out has not heard it; the ack is sent again, and
// counted once. A resend while the ack is still to be sent changes nothing.
func TestResentAlarmRearmsAck(t *testing.T) {
	db, clock := openTest(t)
	ctx := context.Background()
	in := alarmEvent("h", 1, event.Critical)
	_, err := db.Ingest(ctx, []Incoming{in})
	require.NoError(t, err)

	res, err := db.Ingest(ctx, []Incoming{in})
	require.NoError(t, err)
	require.Equal(t, 0, res.Rearmed, "not acknowledged yet")

	_, err = db.Acknowledge(ctx, in.Event.ID, "anna")
	require.NoError(t, err)
	res, err = db.Ingest(ctx, []Incoming{in})
	require.NoError(t, err)
	require.Equal(t, 0, res.Rearmed, "ack not sent yet: nothing to re-arm")

	require.NoError(t, db.MarkAckSent(ctx, in.Event.ID, clock.Now()))
	res, err = db.Ingest(ctx, []Incoming{in, in})
	require.NoError(t, err)
	if res.Duplicates != 2 || res.Rearmed != 1 {
		t.Fatalf("resent twice after the ack went out: got duplicates %d rearmed %d, want 2 1", res.Duplicates, res.Rearmed)
	}
	pending, err := db.AcksToSend(ctx)
	require.NoError(t, err)
	require.Len(t, pending, 1, "ack to send again")
}

// TestLateRaiseCatchesUp: lifecycle events stored before their alarm's
// raise (the raise replayed in a later batch) are applied when it comes,
// to the stored alarm and to the one handed to OnAlarm.
func TestLateRaiseCatchesUp(t *testing.T) {
	tests := []struct {
		name          string
		kinds         []event.Kind // events 2.. of the alarm raised by event 1
		wantBoxState  string
		wantEscalated bool
	}{
		{name: "in order", kinds: nil, wantBoxState: "active"},
		{name: "cleared first", kinds: []event.Kind{event.AlarmCleared}, wantBoxState: "cleared"},
		{name: "escalated then cancelled", kinds: []event.Kind{event.AlarmEscalated, event.AlarmCancelled}, wantBoxState: "cancelled", wantEscalated: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, _ := openTest(t)
			ctx := context.Background()
			raise := alarmEvent("h", 1, event.Critical)
			var before []Incoming
			for i, k := range tt.kinds {
				seq := int64(i + 2)
				before = append(before, Incoming{Site: "h", Received: t0, Event: event.Event{
					ID: raise.Event.ID + "-" + string(k), Seq: seq, Time: t0.Add(time.Duration(seq) * time.Second),
					Kind: k, Severity: event.Info, AlarmID: raise.Event.ID,
				}})
			}
			if len(before) > 0 {
				res, err := db.Ingest(ctx, before)
				require.NoError(t, err)
				require.Equal(t, []Gap{{Site: "h", From: 1, To: 1, Found: t0}}, res.Gaps, "the raise is missing")
			}
			res, err := db.Ingest(ctx, []Incoming{raise})
			require.NoError(t, err)
			require.Len(t, res.NewAlarms, 1)
			stored, err := db.Alarm(ctx, raise.Event.ID)
			require.NoError(t, err)
			for _, a := range []Alarm{res.NewAlarms[0], stored} {
				if a.BoxState != tt.wantBoxState || a.Escalated != tt.wantEscalated {
					t.Errorf("alarm %s: got box state %q escalated %v, want %q %v", a.ID, a.BoxState, a.Escalated, tt.wantBoxState, tt.wantEscalated)
				}
			}
			gaps, err := db.Gaps(ctx, "h")
			require.NoError(t, err)
			require.Empty(t, gaps, "the replayed raise fills the gap")
		})
	}
}

// TestIngestGapsOfChangedHomesOnly: the result lists the unrequested gaps
// of the homes this batch touched, not every home's.
func TestIngestGapsOfChangedHomesOnly(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	res, err := db.Ingest(ctx, []Incoming{alarmEvent("a", 3, event.High)})
	require.NoError(t, err)
	require.Len(t, res.Gaps, 1)
	res, err = db.Ingest(ctx, []Incoming{alarmEvent("b", 1, event.High)})
	require.NoError(t, err)
	require.Empty(t, res.Gaps, "home b has no gap; home a's is not news")
	res, err = db.Ingest(ctx, []Incoming{alarmEvent("a", 1, event.High)})
	require.NoError(t, err)
	require.Equal(t, []Gap{{Site: "a", From: 2, To: 2, Found: t0}}, res.Gaps, "narrowed")
}

// TestStoreUnsyncedThenSync: a batch stored without its own fsync is
// committed and visible at once, the connection is back to
// synchronous=FULL for everyone after it, and Sync is one write of its own.
func TestStoreUnsyncedThenSync(t *testing.T) {
	path := filepath.Join(t.TempDir(), "center.db")
	ctx := context.Background()
	db, err := Open(ctx, path, clockwork.NewFakeClockAt(t0))
	require.NoError(t, err)
	syncs := func() (n int) {
		require.NoError(t, db.db.QueryRowContext(ctx, `SELECT n FROM counters WHERE name = 'syncs'`).Scan(&n))
		return n
	}

	in := alarmEvent("h", 1, event.Critical)
	res, err := db.StoreUnsynced(ctx, []Message{{Event: &in}})
	require.NoError(t, err)
	require.Len(t, res.NewAlarms, 1)
	a, err := db.Alarm(ctx, in.Event.ID)
	require.NoError(t, err, "visible before Sync")
	require.Equal(t, "h", a.Site)
	var mode int
	require.NoError(t, db.db.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&mode))
	require.Equal(t, 2, mode, "the connection is back to synchronous=FULL")
	require.Equal(t, 0, syncs())

	require.NoError(t, db.Sync(ctx))
	require.NoError(t, db.Sync(ctx))
	require.Equal(t, 2, syncs())

	// A sync that writes nothing would fsync nothing: it must fail.
	_, err = db.db.ExecContext(ctx, `DELETE FROM counters WHERE name = 'syncs'`)
	require.NoError(t, err)
	require.ErrorContains(t, db.Sync(ctx), "no 'syncs' row")
	require.NoError(t, db.Close())

	db, err = Open(ctx, path, clockwork.NewFakeClockAt(t0))
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Alarm(ctx, in.Event.ID)
	require.NoError(t, err, "stored across a reopen")
}
