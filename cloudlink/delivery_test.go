package cloudlink

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/cloudlink/brokertest"
	"github.com/safehub-iot/safehub/cloudlink/protocol"
	"github.com/safehub-iot/safehub/event"
)

const (
	waitFor = 30 * time.Second
	tick    = 5 * time.Millisecond
)

func requireConnected(tb testing.TB, l *Link, want bool) {
	tb.Helper()
	require.Eventually(tb, func() bool { return l.State().Connected == want }, waitFor, tick, "link connected = %v", want)
}

func requireUnique(tb testing.TB, col *collector, l *Link, n int) {
	tb.Helper()
	deadline := time.Now().Add(waitFor)
	for col.uniqueEvents() != n {
		if time.Now().After(deadline) {
			tb.Fatalf("want %d unique events at the center; have %d after %v; link state %+v", n, col.uniqueEvents(), waitFor, l.State())
		}
		time.Sleep(tick)
	}
}

// settle waits until the box has handed everything to the broker and the
// center has it. Mochi can drop a message for a session that is resuming
// while it is being published to (a race in its session takeover); the
// center then finds the gap in seq and asks for a replay, as
// docs/protocol.md says, and so does this helper. Mosquitto must lose
// nothing.
func settle(tb testing.TB, col *collector, l *Link, b brokertest.Broker, want []event.Event) {
	tb.Helper()
	requireDrained(tb, l)
	deadline := time.Now().Add(3 * time.Second)
	for col.uniqueEvents() < len(want) && time.Now().Before(deadline) {
		time.Sleep(tick)
	}
	have := map[int64]bool{}
	for _, ev := range col.events() {
		have[ev.Seq] = true
	}
	var from, to int64
	for _, w := range want {
		if have[w.Seq] {
			continue
		}
		if from == 0 || w.Seq < from {
			from = w.Seq
		}
		to = max(to, w.Seq)
	}
	if from == 0 {
		return
	}
	if b.Kind() != "mochi" {
		tb.Fatalf("%s lost events with seq in [%d, %d] that the box handed over", b.Kind(), from, to)
	}
	tb.Logf("%s lost events in seq [%d, %d]; recovering with a replay command", b.Kind(), from, to)
	sendCmd(tb, b.URL(), fmt.Sprintf(`{"v":1,"id":"replay-%d-%d","cmd":"replay","time":%q,"from":%d,"to":%d}`,
		from, to, time.Now().UTC().Format(time.RFC3339), from, to))
	requireUnique(tb, col, l, len(want))
}

func requireDrained(tb testing.TB, l *Link) {
	tb.Helper()
	require.Eventually(tb, func() bool { return l.State().OutboxDepth == 0 }, waitFor, tick, "outbox drained")
}

// TestBrokerStoppedMidBurst: the broker stops while 1,000 alarms are being
// raised and sent, then returns; all 1,000 arrive, first copies in order.
//
// Mosquitto hands them to the center in order. Mochi, resuming the center's
// session, redelivers what it had queued sorted by creation second only, so
// same-second messages come out shuffled: there the order is checked where
// the broker received them, and the center relies on seq (as
// docs/protocol.md tells it to).
func TestBrokerStoppedMidBurst(t *testing.T) {
	for _, kind := range brokertest.Kinds {
		t.Run(kind, func(t *testing.T) {
			b := brokertest.Start(t, kind)
			col := newCollector(t, b.URL(), "center")
			atBroker := brokerSide(t, b)
			st := openStore(t)
			wake := make(chan event.Event, 1)
			l := runLink(t, testConfig(b.URL()), Deps{Store: st, Wake: wake})
			requireConnected(t, l, true)

			var want []event.Event
			done := make(chan struct{})
			go func() {
				defer close(done)
				want = appendEvents(t, st, wake, 1000, event.AlarmRaised)
			}()
			require.Eventually(t, func() bool { return col.uniqueEvents() >= 200 }, waitFor, tick)
			b.Stop(t)
			requireConnected(t, l, false)
			b.Restart(t)
			<-done
			settle(t, col, l, b, want)
			checkReceived(t, col.events(), want, atBroker == nil)
			if atBroker != nil {
				checkDelivery(t, atBroker(), want)
			}
			requireDrained(t, l)
			if got := len(col.events()); got > 1000 {
				t.Logf("%d copies for 1000 alarms (duplicates carry the same id)", got)
			}
		})
	}
}

// TestBrokerDownWholeBurst: nothing reaches the broker while it is down;
// once it returns everything is delivered, alarms before telemetry.
func TestBrokerDownWholeBurst(t *testing.T) {
	for _, kind := range brokertest.Kinds {
		t.Run(kind, func(t *testing.T) {
			b := brokertest.Start(t, kind)
			col := newCollector(t, b.URL(), "center")
			atBroker := brokerSide(t, b)
			st := openStore(t)
			wake := make(chan event.Event, 1)
			l := runLink(t, testConfig(b.URL()), Deps{Store: st, Wake: wake})
			requireConnected(t, l, true)
			b.Stop(t)
			requireConnected(t, l, false)
			if l.DownSince().IsZero() {
				t.Fatalf("DownSince() is zero while the link is down")
			}

			tel := appendEvents(t, st, wake, 300, event.StateChange)
			alarms := appendEvents(t, st, wake, 300, event.AlarmRaised)
			if got := l.State().OutboxDepth; got != 600 {
				t.Fatalf("outbox depth with the broker down = %d, want 600", got)
			}
			b.Restart(t)
			settle(t, col, l, b, append(append([]event.Event(nil), tel...), alarms...))
			if !l.DownSince().IsZero() {
				t.Fatalf("DownSince() = %v while connected, want zero", l.DownSince())
			}

			// What the center got: all of it, each once or more.
			checkReceived(t, col.events(), append(tel, alarms...), false)
			// The order: as the broker received it (mochi), or as the
			// center got it (mosquitto).
			ordered := col.events()
			if atBroker != nil {
				ordered = atBroker()
			}
			var gotAlarms, gotTel []protocol.EventMsg
			lastAlarm, firstTel := -1, -1
			seen := map[string]bool{}
			i := -1
			for _, ev := range ordered {
				if seen[ev.ID] {
					continue // a later copy (replay) says nothing about order
				}
				seen[ev.ID] = true
				i++
				if ev.Kind.IsAlarm() {
					gotAlarms = append(gotAlarms, ev)
					lastAlarm = i
				} else {
					gotTel = append(gotTel, ev)
					if firstTel < 0 {
						firstTel = i
					}
				}
			}
			checkDelivery(t, gotAlarms, alarms)
			checkDelivery(t, gotTel, tel)
			if lastAlarm > firstTel {
				t.Fatalf("telemetry overtook alarms: first telemetry at %d, last alarm at %d", firstTel, lastAlarm)
			}
			requireDrained(t, l)
		})
	}
}

// TestMalformedCommand: broken commands get an error reply naming the
// problem, and the box keeps working.
func TestMalformedCommand(t *testing.T) {
	for _, kind := range brokertest.Kinds {
		t.Run(kind, func(t *testing.T) {
			b := brokertest.Start(t, kind)
			col := newCollector(t, b.URL(), "center")
			st := openStore(t)
			wake := make(chan event.Event, 1)
			l := runLink(t, testConfig(b.URL()), Deps{Store: st, Wake: wake})
			requireConnected(t, l, true)

			now := time.Now().UTC().Format(time.RFC3339)
			sendCmd(t, b.URL(), `{"v":1,"id":"bad-1","cmd":"set_heartbeat","time":"`+now+`","interval_s":"fast"}`)
			sendCmd(t, b.URL(), `this is not json`)
			sendCmd(t, b.URL(), `{"v":1,"id":"ok-1","cmd":"status","time":"`+now+`"}`)
			require.Eventually(t, func() bool { r := col.replies(); return len(r["bad-1"]) > 0 && len(r[""]) > 0 && len(r["ok-1"]) > 0 }, waitFor, tick)
			r := col.replies()
			tests := []struct {
				name, id, code, errHas string
				ok                     bool
			}{
				{name: "wrong type", id: "bad-1", code: protocol.CodeMalformed, errHas: "interval_s"},
				{name: "not json", id: "", code: protocol.CodeMalformed, errHas: "not a JSON object"},
				{name: "still answering", id: "ok-1", ok: true},
			}
			for _, tt := range tests {
				got := r[tt.id][0]
				if got.OK != tt.ok || got.Code != tt.code || !strings.Contains(got.Error, tt.errHas) {
					t.Errorf("%s: reply = ok %v code %q error %q; want ok %v code %q error containing %q",
						tt.name, got.OK, got.Code, got.Error, tt.ok, tt.code, tt.errHas)
				}
			}
			want := appendEvents(t, st, wake, 1, event.AlarmRaised)
			require.Eventually(t, func() bool { return col.uniqueEvents() == 1 }, waitFor, tick)
			checkDelivery(t, col.events(), want)
		})
	}
}

// TestBrokersTriedInTurn: a dead first broker does not keep the box off
// the second.
func TestBrokersTriedInTurn(t *testing.T) {
	b := brokertest.StartMochi(t)
	dead := fmt.Sprintf("tcp://127.0.0.1:%d", brokertest.FreePort(t))
	st := openStore(t)
	l := runLink(t, testConfig(dead, b.URL()), Deps{Store: st})
	requireConnected(t, l, true)
	if got := l.State().Broker; got != b.URL() {
		t.Fatalf("connected to %q, want the second broker %q", got, b.URL())
	}
}

// TestRetainedStatus: online is retained on connect; a clean stop leaves
// offline (reason shutdown) retained.
func TestRetainedStatus(t *testing.T) {
	b := brokertest.StartMosquitto(t)
	st := openStore(t)
	cfg := testConfig(b.URL())
	l, err := New(cfg, Deps{Store: st, Log: quietLog()})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	requireConnected(t, l, true)

	late := newCollector(t, b.URL(), "late-center") // subscribes after the fact: sees the retained one
	require.Eventually(t, func() bool { return len(late.channel(protocol.Status)) > 0 }, waitFor, tick)
	s, err := protocol.DecodeStatus(late.channel(protocol.Status)[0].payload)
	require.NoError(t, err)
	if s.State != protocol.Online || s.Version != "test" || s.Site != testSite {
		t.Fatalf("retained status = %+v, want online, version test", s)
	}
	cancel()
	require.NoError(t, <-done)
	require.Eventually(t, func() bool { return len(late.channel(protocol.Status)) > 1 }, waitFor, tick)
	s, err = protocol.DecodeStatus(late.channel(protocol.Status)[1].payload)
	require.NoError(t, err)
	if s.State != protocol.Offline || s.Reason != "shutdown" {
		t.Fatalf("status after a clean stop = %+v, want offline/shutdown", s)
	}
}
