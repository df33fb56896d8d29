package cloudlink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/cloudlink/brokertest"
	"github.com/safehub-iot/safehub/cloudlink/protocol"
	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/gateway/store"
)

// box records what the link asked of the rest of the box.
type fakeBox struct {
	mu        sync.Mutex
	acks      []string
	silenced  int
	resets    int
	rules     [][]byte
	delivered []string
}

func (b *fakeBox) Acknowledge(_ context.Context, id string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.acks = append(b.acks, id)
	return nil
}

func (b *fakeBox) SilenceSiren(context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.silenced++
	return nil
}

func (b *fakeBox) SelfTest(context.Context) (any, error) {
	return map[string]string{"siren": "ok"}, nil
}

func (b *fakeBox) ReplaceRules(_ context.Context, rules []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if strings.Contains(string(rules), "bad") {
		return errors.New("rules[0].when: unknown sensor \"bad\"")
	}
	b.rules = append(b.rules, rules)
	return nil
}

func (b *fakeBox) Reset(context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.resets++
	return nil
}

func (b *fakeBox) Health() []gateway.SensorHealth {
	return []gateway.SensorHealth{
		{ID: "smoke-kitchen", Kind: "smoke", Health: event.HealthFault, Reason: "open GPIO22: busy"},
		{ID: "button-bed", Kind: "call_button", Health: event.HealthOK},
	}
}

func (b *fakeBox) onDelivered(ev event.Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.delivered = append(b.delivered, ev.ID)
}

func (b *fakeBox) snapshot() fakeBox {
	b.mu.Lock()
	defer b.mu.Unlock()
	return fakeBox{acks: append([]string(nil), b.acks...), silenced: b.silenced, resets: b.resets, rules: b.rules, delivered: append([]string(nil), b.delivered...)}
}

type cmdRig struct {
	b    brokertest.Broker
	col  *collector
	link *Link
	fc   *clockwork.FakeClock
	box  *fakeBox
	st   *store.Store
	wake chan event.Event
}

func newCmdRig(t *testing.T) *cmdRig {
	t.Helper()
	r := &cmdRig{b: brokertest.StartMochi(t), fc: clockwork.NewFakeClockAt(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)), box: &fakeBox{}, wake: make(chan event.Event, 1)}
	r.col = newCollector(t, r.b.URL(), "center")
	st := openStore(t)
	r.st = st
	r.link = runLink(t, testConfig(r.b.URL()), Deps{Store: st, Wake: r.wake, Acker: r.box, Health: r.box, Exec: r.box, OnDelivered: r.box.onDelivered, Clock: r.fc})
	requireConnected(t, r.link, true)
	return r
}

// cmd sends a command stamped by the fake clock and returns its replies
// once there are want of them.
func (r *cmdRig) cmd(t *testing.T, id string, body string, want int) []protocol.ReplyMsg {
	t.Helper()
	sendCmd(t, r.b.URL(), fmt.Sprintf(`{"v":1,"id":%q,"time":%q,%s}`, id, r.fc.Now().Format(time.RFC3339Nano), body))
	require.Eventually(t, func() bool { return len(r.col.replies()[id]) >= want }, waitFor, tick, "reply to %s", id)
	return r.col.replies()[id]
}

func TestCommands(t *testing.T) {
	r := newCmdRig(t)
	alarm := appendEvents(t, r.st, r.wake, 1, event.AlarmRaised)[0]
	require.Eventually(t, func() bool { return len(r.box.snapshot().delivered) == 1 }, waitFor, tick, "OnDelivered after the PUBACK")
	if got := r.box.snapshot().delivered[0]; got != alarm.ID {
		t.Fatalf("OnDelivered got %s, want the alarm %s", got, alarm.ID)
	}
	stale := r.fc.Now().Add(-time.Hour).Format(time.RFC3339)

	tests := []struct {
		name     string
		id, body string
		ok       bool
		code     string
		errHas   string
		result   string // substring of the result JSON
	}{
		{name: "ack", id: "a1", body: fmt.Sprintf(`"cmd":"ack","alarm_id":%q,"operator":"li.wei"`, alarm.ID), ok: true, result: `"already":false`},
		{name: "ack again under a new id", id: "a2", body: fmt.Sprintf(`"cmd":"ack","alarm_id":%q`, alarm.ID), ok: true, result: `"already":true`},
		{name: "ack unknown alarm", id: "a3", body: `"cmd":"ack","alarm_id":"nope"`, code: protocol.CodeRejected, errHas: "alarm_id"},
		{name: "unknown verb", id: "u1", body: `"cmd":"launch"`, code: protocol.CodeUnknown, errHas: "launch"},
		{name: "bad rules", id: "r1", body: `"cmd":"replace_rules","rules":"bad: yes"`, code: protocol.CodeRejected, errHas: "unknown sensor"},
		{name: "good rules", id: "r2", body: `"cmd":"replace_rules","rules":"rules: []"`, ok: true},
		{name: "silence", id: "s1", body: `"cmd":"silence"`, ok: true},
		{name: "reset", id: "z1", body: `"cmd":"reset"`, ok: true},
		{name: "self test", id: "t1", body: `"cmd":"self_test"`, ok: true, result: `"siren":"ok"`},
		{name: "status", id: "st1", body: `"cmd":"status"`, ok: true, result: `"outbox_depth":0`},
		{name: "replay", id: "p1", body: `"cmd":"replay","from":1,"to":5`, ok: true, result: `"sent":1`},
		{name: "set heartbeat", id: "h1", body: `"cmd":"set_heartbeat","interval_s":30`, ok: true, result: `"interval_s":30`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.cmd(t, tt.id, tt.body, 1)[0]
			if got.OK != tt.ok || got.Code != tt.code || !strings.Contains(got.Error, tt.errHas) || !strings.Contains(string(got.Result), tt.result) {
				t.Fatalf("reply = ok %v code %q error %q result %s; want ok %v code %q error with %q result with %q",
					got.OK, got.Code, got.Error, got.Result, tt.ok, tt.code, tt.errHas, tt.result)
			}
			if got.Site != testSite || got.Time.IsZero() {
				t.Fatalf("reply envelope: site %q time %v", got.Site, got.Time)
			}
		})
	}

	// A stale command: the time is checked against the box clock.
	sendCmd(t, r.b.URL(), fmt.Sprintf(`{"v":1,"id":"old1","cmd":"silence","time":%q}`, stale))
	require.Eventually(t, func() bool { return len(r.col.replies()["old1"]) == 1 }, waitFor, tick)
	if got := r.col.replies()["old1"][0]; got.OK || got.Code != protocol.CodeStale {
		t.Fatalf("stale command reply = %+v, want code stale", got)
	}

	// Repeated id: answered again, identically, and not acted on twice.
	again := r.cmd(t, "a1", fmt.Sprintf(`"cmd":"ack","alarm_id":%q`, alarm.ID), 2)
	if string(mustJSON(t, again[0])) != string(mustJSON(t, again[1])) {
		t.Fatalf("repeated id answered differently:\n%+v\n%+v", again[0], again[1])
	}
	r.cmd(t, "s1", `"cmd":"silence"`, 2)
	snap := r.box.snapshot()
	if len(snap.acks) != 1 || snap.acks[0] != alarm.ID || snap.silenced != 1 || snap.resets != 1 || len(snap.rules) != 1 {
		t.Fatalf("box was asked: acks %v silenced %d resets %d rules %d; want 1 ack of %s, 1 silence, 1 reset, 1 rules file",
			snap.acks, snap.silenced, snap.resets, len(snap.rules), alarm.ID)
	}
	if found, acked, err := r.st.AlarmStatus(context.Background(), alarm.ID); err != nil || !found || acked.IsZero() {
		t.Fatalf("store after ack: found %v acked %v err %v", found, acked, err)
	}

	// The replay sent the alarm again, marked resent.
	require.Eventually(t, func() bool { return len(r.col.events()) == 2 }, waitFor, tick)
	if ev := r.col.events()[1]; ev.ID != alarm.ID || !ev.Resent {
		t.Fatalf("replayed copy = id %s resent %v, want id %s resent", ev.ID, ev.Resent, alarm.ID)
	}
}

func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// TestHeartbeat: one on connect, then one per interval of the injected
// clock, carrying what docs/protocol.md promises; set_heartbeat changes the
// interval.
func TestHeartbeat(t *testing.T) {
	r := newCmdRig(t)
	hbs := func() []protocol.HeartbeatMsg {
		var out []protocol.HeartbeatMsg
		for _, m := range r.col.channel(protocol.Heartbeat) {
			hb, err := protocol.DecodeHeartbeat(m.payload)
			if err != nil {
				t.Fatalf("bad heartbeat: %v: %s", err, m.payload)
			}
			out = append(out, hb)
		}
		return out
	}
	require.Eventually(t, func() bool { return len(hbs()) >= 1 }, waitFor, tick, "heartbeat on connect")
	appendEvents(t, r.st, r.wake, 2, event.AlarmRaised)
	require.Eventually(t, func() bool { return r.col.uniqueEvents() == 2 }, waitFor, tick)
	require.Eventually(t, func() bool { return r.link.State().OutboxDepth == 0 }, waitFor, tick)

	r.fc.Advance(60 * time.Second)
	require.Eventually(t, func() bool { return len(hbs()) >= 2 }, waitFor, tick, "heartbeat after 60 s")
	hb := hbs()[1]
	if hb.IntervalS != 60 || hb.UptimeS != 60 || hb.LastSeq != 2 || hb.UnackedAlarms != 2 || hb.Version != "test" || len(hb.Sensors) != 2 || hb.Sensors[1].Health != event.HealthFault {
		t.Fatalf("heartbeat = %+v; want interval 60, uptime 60, last_seq 2, 2 unacked, 2 sensors sorted with the smoke fault", hb)
	}
	if st := r.link.State(); !st.LastHeartbeat.Equal(r.fc.Now()) {
		t.Fatalf("State().LastHeartbeat = %v, want %v", st.LastHeartbeat, r.fc.Now())
	}

	r.cmd(t, "h1", `"cmd":"set_heartbeat","interval_s":15`, 1)
	require.Eventually(t, func() bool {
		r.fc.Advance(15 * time.Second)
		h := hbs()
		return h[len(h)-1].IntervalS == 15
	}, waitFor, 20*time.Millisecond, "heartbeat at the new interval")
}

// TestAlarmResentUntilAcked: an alarm the center has not acknowledged is
// sent again after AckResend; once acknowledged it is not.
func TestAlarmResentUntilAcked(t *testing.T) {
	r := newCmdRig(t)
	alarm := appendEvents(t, r.st, r.wake, 1, event.AlarmRaised)[0]
	require.Eventually(t, func() bool { return len(r.col.events()) == 1 }, waitFor, tick)
	require.Eventually(t, func() bool { return r.link.State().OutboxDepth == 0 }, waitFor, tick)

	r.fc.Advance(61 * time.Second)
	require.Eventually(t, func() bool { return len(r.col.events()) == 2 }, waitFor, tick, "resent after AckResend")
	if ev := r.col.events()[1]; ev.ID != alarm.ID || !ev.Resent || ev.Seq != alarm.Seq {
		t.Fatalf("second copy = %+v, want the same alarm marked resent", ev)
	}
	r.cmd(t, "ack1", fmt.Sprintf(`"cmd":"ack","alarm_id":%q`, alarm.ID), 1)
	due, err := r.st.ResendDue(context.Background(), r.fc.Now().Add(time.Hour), 10)
	if err != nil || len(due) != 0 {
		t.Fatalf("after the ack, alarms due for resend = %d, %v; want none", len(due), err)
	}
	n := len(r.col.events())
	for range 3 {
		r.fc.Advance(61 * time.Second)
	}
	// A heartbeat after the last advance shows the loop went past the
	// resend ticks.
	hbBefore := len(r.col.channel(protocol.Heartbeat))
	r.fc.Advance(60 * time.Second)
	require.Eventually(t, func() bool { return len(r.col.channel(protocol.Heartbeat)) > hbBefore }, waitFor, tick)
	if got := len(r.col.events()); got != n {
		t.Fatalf("%d copies after the ack, want still %d", got, n)
	}
}

// TestOutboxBounded: with the center unreachable the outbox stays within
// OutboxMax by evicting the oldest telemetry, never alarms, and says so in
// one overflow event.
func TestOutboxBounded(t *testing.T) {
	fc := clockwork.NewFakeClock()
	st := openStore(t)
	cfg := testConfig(fmt.Sprintf("tcp://127.0.0.1:%d", brokertest.FreePort(t)))
	cfg.OutboxMax = 100
	wake := make(chan event.Event, 1)
	alarms := appendEvents(t, st, wake, 5, event.AlarmRaised)
	appendEvents(t, st, wake, 150, event.StateChange)
	l := runLink(t, cfg, Deps{Store: st, Wake: wake, Clock: fc})

	require.Eventually(t, func() bool {
		fc.Advance(time.Second)
		return l.State().OutboxDepth == 100
	}, waitFor, 20*time.Millisecond)
	for range 5 {
		fc.Advance(time.Second)
	}
	pend, err := st.Pending(context.Background(), 1000)
	require.NoError(t, err)
	if len(pend) != 100 {
		t.Fatalf("outbox holds %d events, want 100", len(pend))
	}
	for i, a := range alarms {
		if pend[i].ID != a.ID {
			t.Fatalf("outbox[%d] = %s (%s), want alarm %s: alarms are never evicted", i, pend[i].ID, pend[i].Kind, a.ID)
		}
	}
	var notices []event.Event
	all, err := st.Events(context.Background(), 0, 1000)
	require.NoError(t, err)
	for _, ev := range all {
		if ev.Rule == "outbox_overflow" {
			notices = append(notices, ev)
		}
	}
	if len(notices) != 1 || notices[0].Values["evicted"] != 56 {
		t.Fatalf("overflow notices = %+v; want one saying 56 evicted", notices)
	}
	if last := pend[len(pend)-1]; last.Rule != "outbox_overflow" {
		t.Fatalf("newest pending event = %+v, want the overflow notice", last)
	}
}
