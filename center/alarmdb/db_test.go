package alarmdb

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/safehub-iot/safehub/event"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)

func openTest(tb testing.TB) (*DB, *clockwork.FakeClock) {
	tb.Helper()
	clock := clockwork.NewFakeClockAt(t0)
	db, err := Open(context.Background(), filepath.Join(tb.TempDir(), "center.db"), clock)
	require.NoError(tb, err)
	tb.Cleanup(func() { db.Close() })
	return db, clock
}

func alarmEvent(site string, seq int64, sev event.Severity) Incoming {
	id := fmt.Sprintf("%s-ev-%d", site, seq)
	return Incoming{Site: site, Received: t0, Event: event.Event{
		ID: id, Seq: seq, Time: t0, Kind: event.AlarmRaised, Severity: sev, AlarmID: id,
		Sensor: "button", SensorKind: "call_button", Message: "emergency button pressed",
	}}
}

func TestIngestStoresEachEventOnce(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	a := alarmEvent("home-1", 1, event.Critical)
	res, err := db.Ingest(ctx, []Incoming{a, a})
	require.NoError(t, err)
	if res.Stored != 1 || res.Duplicates != 1 || len(res.NewAlarms) != 1 {
		t.Fatalf("first batch: got stored %d dup %d alarms %d, want 1 1 1", res.Stored, res.Duplicates, len(res.NewAlarms))
	}
	res, err = db.Ingest(ctx, []Incoming{a})
	require.NoError(t, err)
	if res.Stored != 0 || res.Duplicates != 1 || len(res.NewAlarms) != 0 {
		t.Fatalf("redelivery: got stored %d dup %d alarms %d, want 0 1 0", res.Stored, res.Duplicates, len(res.NewAlarms))
	}
	got, err := db.Alarms(ctx, Filter{})
	require.NoError(t, err)
	if len(got) != 1 || got[0].ID != a.Event.ID || got[0].State != StateNew {
		t.Fatalf("alarms: got %+v, want one new alarm %s", got, a.Event.ID)
	}
}

func TestIngestGaps(t *testing.T) {
	type gap struct{ from, to int64 }
	tests := []struct {
		name string
		seqs []int64
		want []gap
	}{
		{name: "in order", seqs: []int64{1, 2, 3}, want: nil},
		{name: "first event not 1", seqs: []int64{4}, want: []gap{{1, 3}}},
		{name: "skip", seqs: []int64{1, 2, 6}, want: []gap{{3, 5}}},
		{name: "replay fills middle", seqs: []int64{1, 6, 3}, want: []gap{{2, 2}, {4, 5}}},
		{name: "replay fills all", seqs: []int64{1, 4, 2, 3}, want: nil},
		{name: "two gaps", seqs: []int64{1, 3, 6}, want: []gap{{2, 2}, {4, 5}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, _ := openTest(t)
			ctx := context.Background()
			for _, s := range tt.seqs {
				in := alarmEvent("h", s, event.High)
				in.Event.Kind = event.StateChange
				_, err := db.Ingest(ctx, []Incoming{in})
				require.NoError(t, err)
			}
			gs, err := db.Gaps(ctx, "h")
			require.NoError(t, err)
			var got []gap
			for _, g := range gs {
				got = append(got, gap{g.From, g.To})
			}
			require.Equal(t, tt.want, got, "gaps after seqs %v", tt.seqs)
		})
	}
}

func TestGapRequestedOnceUntilRetry(t *testing.T) {
	db, clock := openTest(t)
	ctx := context.Background()
	res, err := db.Ingest(ctx, []Incoming{alarmEvent("h", 5, event.High)})
	require.NoError(t, err)
	require.Len(t, res.Gaps, 1, "gap 1..4 to request")
	require.NoError(t, db.MarkRequested(ctx, res.Gaps[0], clock.Now()))
	got, err := db.GapsToRequest(ctx, clock.Now().Add(-time.Minute))
	require.NoError(t, err)
	require.Empty(t, got, "a gap requested just now is not due again")
	clock.Advance(2 * time.Minute)
	got, err = db.GapsToRequest(ctx, clock.Now().Add(-time.Minute))
	require.NoError(t, err)
	require.Len(t, got, 1, "a gap requested 2 minutes ago is due again")
}

func TestAlarmLifecycle(t *testing.T) {
	db, clock := openTest(t)
	ctx := context.Background()
	in := alarmEvent("h", 1, event.Critical)
	_, err := db.Ingest(ctx, []Incoming{in})
	require.NoError(t, err)
	id := in.Event.ID

	_, err = db.Resolve(ctx, id, "anna", "help sent", "")
	require.ErrorIs(t, err, ErrState, "resolve before acknowledge")

	clock.Advance(30 * time.Second)
	a, err := db.Acknowledge(ctx, id, "anna")
	require.NoError(t, err)
	if a.State != StateAcknowledged || a.AckedBy != "anna" || !a.Acked.Equal(clock.Now()) {
		t.Fatalf("after ack: got state %s by %q at %v, want acknowledged by anna at %v", a.State, a.AckedBy, a.Acked, clock.Now())
	}
	_, err = db.Acknowledge(ctx, id, "ben")
	require.ErrorIs(t, err, ErrState, "second acknowledge")
	_, err = db.Acknowledge(ctx, "nope", "ben")
	require.ErrorIs(t, err, ErrNotFound)

	pending, err := db.AcksToSend(ctx)
	require.NoError(t, err)
	require.Len(t, pending, 1)
	require.NoError(t, db.MarkAckSent(ctx, id, clock.Now()))
	pending, err = db.AcksToSend(ctx)
	require.NoError(t, err)
	require.Empty(t, pending)

	_, err = db.Resolve(ctx, id, "anna", " ", "")
	require.Error(t, err, "empty outcome")
	a, err = db.Resolve(ctx, id, "ben", "help sent", "neighbour went over")
	require.NoError(t, err)
	if a.State != StateResolved || a.ResolvedBy != "ben" || a.Outcome != "help sent" {
		t.Fatalf("after resolve: got %+v", a)
	}
	log, err := db.AuditLog(ctx, 0)
	require.NoError(t, err)
	var got []string
	for _, e := range log {
		got = append(got, e.Operator+" "+e.Action)
	}
	require.Equal(t, []string{"ben resolve", "anna acknowledge"}, got)
}

func TestAlarmOrderAndBoxState(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	low := alarmEvent("h", 1, event.Medium)
	crit := alarmEvent("h", 2, event.Critical)
	crit.Event.Time = t0.Add(time.Minute)
	test := alarmEvent("h", 3, event.Critical)
	test.Event.Test = true
	// The clear overtakes its raise (a replayed gap).
	clear := Incoming{Site: "h", Received: t0, Event: event.Event{ID: "clr", Seq: 5, Time: t0.Add(2 * time.Minute), Kind: event.AlarmCleared, AlarmID: "h-ev-4", Severity: event.Info}}
	late := alarmEvent("h", 4, event.High)
	_, err := db.Ingest(ctx, []Incoming{low, crit, test, clear, late})
	require.NoError(t, err)

	real := false
	got, err := db.Alarms(ctx, Filter{Open: true, Test: &real})
	require.NoError(t, err)
	var ids []string
	for _, a := range got {
		ids = append(ids, a.ID)
	}
	require.Equal(t, []string{"h-ev-2", "h-ev-4", "h-ev-1"}, ids, "critical first, test alarm apart")
	if got[1].BoxState != "cleared" {
		t.Errorf("alarm whose clear came first: got box state %q, want cleared", got[1].BoxState)
	}
	isTest := true
	got, err = db.Alarms(ctx, Filter{Test: &isTest})
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.True(t, got[0].Test)
}

func TestMaintenanceApartFromAlarms(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	ev := func(seq int64, kind event.Kind, sensor string) Incoming {
		return Incoming{Site: "h", Received: t0, Event: event.Event{ID: fmt.Sprint("m", seq), Seq: seq, Time: t0.Add(time.Duration(seq) * time.Second), Kind: kind, Severity: event.Low, Sensor: sensor}}
	}
	_, err := db.Ingest(ctx, []Incoming{ev(1, event.SensorFault, "smoke"), ev(2, event.LowBattery, "pendant"), ev(3, event.SensorRestored, "smoke"), ev(4, event.Tamper, "door")})
	require.NoError(t, err)
	open, err := db.Maintenance(ctx, false)
	require.NoError(t, err)
	require.Len(t, open, 2)
	if open[0].Kind != string(event.LowBattery) || open[0].Sensor != "pendant" || open[1].Kind != string(event.Tamper) || open[1].Sensor != "door" {
		t.Fatalf("open maintenance: got %+v, want pendant low battery and door tamper", open)
	}
	all, err := db.Maintenance(ctx, true)
	require.NoError(t, err)
	require.Len(t, all, 3)
	alarms, err := db.Alarms(ctx, Filter{})
	require.NoError(t, err)
	require.Empty(t, alarms, "maintenance is not an alarm")
}

func TestSupervision(t *testing.T) {
	db, clock := openTest(t)
	ctx := context.Background()
	limit := 90 * time.Second
	_, err := db.Seen(ctx, []Sighting{{Site: "a", At: clock.Now(), HeartbeatLimit: limit}, {Site: "b", At: clock.Now()}})
	require.NoError(t, err)

	clock.Advance(60 * time.Second)
	silent, err := db.Silence(ctx, clock.Now(), t0, 2*time.Minute)
	require.NoError(t, err)
	require.Empty(t, silent, "nobody silent after 60 s")

	clock.Advance(40 * time.Second) // a: 100 s > 90 s limit; b: 100 s < default 120 s
	silent, err = db.Silence(ctx, clock.Now(), clock.Now().Add(-50*time.Second), 2*time.Minute)
	require.NoError(t, err)
	require.Empty(t, silent, "a center listening for only 50 s has not missed a 90 s heartbeat")
	silent, err = db.Silence(ctx, clock.Now(), t0, 2*time.Minute)
	require.NoError(t, err)
	require.Equal(t, []string{"a"}, silent)
	silent, err = db.Silence(ctx, clock.Now().Add(time.Second), t0, 2*time.Minute)
	require.NoError(t, err)
	require.Empty(t, silent, "a silent home is reported once")

	// Its last will arrives too: still one outage.
	changed, err := db.SetStatus(ctx, "a", "offline", clock.Now(), 0)
	require.NoError(t, err)
	require.False(t, changed, "already offline")

	homes, err := db.Homes(ctx)
	require.NoError(t, err)
	require.Equal(t, "a", homes[0].Site, "offline homes first")
	if homes[0].Online || !homes[0].SilentSince.Equal(t0) {
		t.Fatalf("home a: got online %v silent since %v, want offline since %v", homes[0].Online, homes[0].SilentSince, t0)
	}
	clock.Advance(time.Minute)
	back, err := db.Seen(ctx, []Sighting{{Site: "a", At: clock.Now()}})
	require.NoError(t, err)
	require.Equal(t, []string{"a"}, back)
	outages, err := db.Outages(ctx, "a")
	require.NoError(t, err)
	require.Len(t, outages, 1, "one outage, not one per signal")
	if !outages[0].Started.Equal(t0) || !outages[0].Ended.Equal(clock.Now()) {
		t.Fatalf("outage: got %v..%v, want %v..%v", outages[0].Started, outages[0].Ended, t0, clock.Now())
	}
}

func TestOperators(t *testing.T) {
	db, clock := openTest(t)
	ctx := context.Background()
	tests := []struct {
		name, user, pass string
		wantErr          bool
	}{
		{name: "ok", user: "anna", pass: "correct horse"},
		{name: "short password", user: "ben", pass: "short", wantErr: true},
		{name: "empty name", user: "", pass: "long enough", wantErr: true},
		{name: "colon in name", user: "a:b", pass: "long enough", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := db.SetOperator(ctx, tt.user, tt.pass)
			if gotErr := err != nil; gotErr != tt.wantErr {
				t.Fatalf("SetOperator(%q): got err %v, want error %v", tt.user, err, tt.wantErr)
			}
		})
	}
	require.NoError(t, db.CheckPassword(ctx, "anna", "correct horse"))
	require.ErrorIs(t, db.CheckPassword(ctx, "anna", "wrong horse"), ErrBadPassword)
	require.ErrorIs(t, db.CheckPassword(ctx, "nobody", "correct horse"), ErrBadPassword)

	tok, err := db.NewSession(ctx, "anna", time.Hour)
	require.NoError(t, err)
	op, err := db.SessionOperator(ctx, tok)
	require.NoError(t, err)
	require.Equal(t, "anna", op)
	clock.Advance(2 * time.Hour)
	_, err = db.SessionOperator(ctx, tok)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("expired session: got %v, want ErrNotFound", err)
	}
}

// TestUnsureBoxClockNotUsedForOrder: a box whose clock is not yet synced
// (it says clock_unsure) stamps a time years off; the center orders by its
// own receive time and the box's sequence number instead.
func TestUnsureBoxClockNotUsedForOrder(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	early := alarmEvent("a", 1, event.Critical) // received first, clock fine
	early.Received = t0
	skewed := alarmEvent("b", 1, event.Critical) // received later, clock says 1970
	skewed.Received = t0.Add(time.Minute)
	skewed.Event.Time = time.Date(1970, 1, 1, 0, 0, 12, 0, time.UTC)
	skewed.Event.ClockUnsure = true
	_, err := db.Ingest(ctx, []Incoming{early, skewed})
	require.NoError(t, err)
	got, err := db.Alarms(ctx, Filter{Open: true})
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Equal(t, []string{"a-ev-1", "b-ev-1"}, []string{got[0].ID, got[1].ID}, "oldest by the center's receive time first")
	require.Equal(t, skewed.Received, got[1].Raised, "an unsure box time is replaced by the receive time")

	// Within one home, history follows the sequence number, whatever the
	// box clock said.
	next := alarmEvent("b", 2, event.High)
	next.Event.Time = time.Date(1970, 1, 1, 0, 0, 5, 0, time.UTC) // earlier than seq 1's
	next.Event.ClockUnsure = true
	next.Received = t0.Add(2 * time.Minute)
	_, err = db.Ingest(ctx, []Incoming{next})
	require.NoError(t, err)
	hist, err := db.History(ctx, "b", 0)
	require.NoError(t, err)
	require.Len(t, hist, 2)
	require.Equal(t, int64(2), hist[0].Event.Seq)
	require.Equal(t, int64(1), hist[1].Event.Seq)
}
