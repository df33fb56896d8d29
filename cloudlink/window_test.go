package cloudlink

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/cloudlink/brokertest"
	"github.com/safehub-iot/safehub/cloudlink/protocol"
	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway/store"
)

// flakyAcker fails its first fail calls, as a busy store or GPIO would.
type flakyAcker struct {
	mu   sync.Mutex
	fail int
	acks []string
}

func (a *flakyAcker) Acknowledge(_ context.Context, id string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fail > 0 {
		a.fail--
		return errors.New("write led_help: device busy")
	}
	a.acks = append(a.acks, id)
	return nil
}

// windowRig is a box on a real Mosquitto whose link can be restarted on the
// same database.
type windowRig struct {
	b    *brokertest.Mosquitto
	col  *collector
	fc   *clockwork.FakeClock
	st   *store.Store
	wake chan event.Event
	deps Deps
	stop func()
}

func newWindowRig(t *testing.T, deps Deps) *windowRig {
	t.Helper()
	r := &windowRig{b: brokertest.StartMosquitto(t), fc: clockwork.NewFakeClockAt(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)), wake: make(chan event.Event, 1)}
	r.col = newCollector(t, r.b.URL(), "center")
	r.st = openStore(t)
	deps.Store, deps.Wake, deps.Clock, deps.Log = r.st, r.wake, r.fc, quietLog()
	r.deps = deps
	r.start(t)
	t.Cleanup(func() { r.stop() })
	return r
}

func (r *windowRig) start(t *testing.T) {
	t.Helper()
	l, err := New(testConfig(r.b.URL()), r.deps)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	r.stop = func() {
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Errorf("Run did not return within 10s of cancel")
		}
	}
	requireConnected(t, l, true)
}

// send publishes raw command payloads from one client, in order.
func (r *windowRig) send(t *testing.T, payloads ...string) {
	t.Helper()
	c := paho.NewClient(paho.NewClientOptions().AddBroker(r.b.URL()).SetClientID(fmt.Sprintf("center-%d", time.Now().UnixNano())))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("center connect: %v", tok.Error())
	}
	defer c.Disconnect(50)
	topic, _ := protocol.Topic(testSite, protocol.Cmd)
	var toks []paho.Token
	for _, p := range payloads {
		toks = append(toks, c.Publish(topic, 1, false, p))
	}
	for _, tok := range toks {
		if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatalf("center publish: %v", tok.Error())
		}
	}
}

func cmdAt(id string, at time.Time, body string) string {
	return fmt.Sprintf(`{"v":1,"id":%q,"time":%q,%s}`, id, at.UTC().Format(time.RFC3339Nano), body)
}

// reply waits for the n-th reply (from 1) to id.
func (r *windowRig) reply(t *testing.T, id string, n int) protocol.ReplyMsg {
	t.Helper()
	require.Eventually(t, func() bool { return len(r.col.replies()[id]) >= n }, waitFor, tick, "reply %d to %s", n, id)
	return r.col.replies()[id][n-1]
}

// TestStaleAckRetried: an ack that waited in the broker past the window is
// refused by its age and that refusal is not kept, so the center's next
// attempt (fresh time, new id or the same one) is accepted and acts once.
func TestStaleAckRetried(t *testing.T) {
	box := &fakeBox{}
	r := newWindowRig(t, Deps{Acker: box})
	alarm := appendEvents(t, r.st, r.wake, 1, event.AlarmRaised)[0]
	ack := fmt.Sprintf(`"cmd":"ack","alarm_id":%q`, alarm.ID)
	sent := r.fc.Now()
	r.fc.Advance(11 * time.Minute) // the box was away longer than cmd_max_age

	r.send(t, cmdAt("ack-1", sent, ack))
	if got := r.reply(t, "ack-1", 1); got.OK || got.Code != protocol.CodeStale {
		t.Fatalf("old ack: reply %+v, want code stale", got)
	}
	r.send(t, cmdAt("ack-1", r.fc.Now(), ack))
	if got := r.reply(t, "ack-1", 2); !got.OK {
		t.Fatalf("the same id sent again with a fresh time: reply %+v, want ok (a stale refusal is not kept)", got)
	}
	r.send(t, cmdAt("ack-2", r.fc.Now(), ack))
	if got := r.reply(t, "ack-2", 1); !got.OK || string(got.Result) != fmt.Sprintf(`{"alarm_id":%q,"already":true}`, alarm.ID) {
		t.Fatalf("a second attempt under a new id: reply %+v, want ok, already", got)
	}
	if got := box.snapshot().acks; len(got) != 1 {
		t.Fatalf("acker told %d times, want once", len(got))
	}
}

// TestTransientFailureNotKept: an ack that failed for a passing reason is
// not answered again with that failure: a repeat of its id is refused as a
// duplicate (never acted on), and the next attempt is carried out.
func TestTransientFailureNotKept(t *testing.T) {
	acker := &flakyAcker{fail: 1}
	r := newWindowRig(t, Deps{Acker: acker})
	alarm := appendEvents(t, r.st, r.wake, 1, event.AlarmRaised)[0]
	ack := fmt.Sprintf(`"cmd":"ack","alarm_id":%q`, alarm.ID)

	first := cmdAt("ack-1", r.fc.Now(), ack)
	r.send(t, first)
	if got := r.reply(t, "ack-1", 1); got.OK || got.Code != protocol.CodeFailed {
		t.Fatalf("first attempt: reply %+v, want code failed", got)
	}
	r.send(t, first)
	if got := r.reply(t, "ack-1", 2); got.OK || got.Code != protocol.CodeDuplicate {
		t.Fatalf("the same attempt replayed: reply %+v, want code duplicate (the failure is not kept, the id is)", got)
	}
	r.send(t, cmdAt("ack-2", r.fc.Now(), ack))
	if got := r.reply(t, "ack-2", 1); !got.OK {
		t.Fatalf("next attempt: reply %+v, want ok", got)
	}
	if found, acked, err := r.st.AlarmStatus(context.Background(), alarm.ID); err != nil || !found || acked.IsZero() {
		t.Fatalf("store after the retry: found %v acked %v err %v", found, acked, err)
	}
}

// TestReplayRefusedForWindow: a command id seen once is not acted on again
// for its whole window, however many commands come between (more than the
// old cache of 256) and across a restart of the box; after the window it is
// refused by its age.
func TestReplayRefusedForWindow(t *testing.T) {
	box := &fakeBox{}
	r := newWindowRig(t, Deps{Exec: box})
	silence := cmdAt("s-1", r.fc.Now(), `"cmd":"silence"`)
	r.send(t, silence)
	if got := r.reply(t, "s-1", 1); !got.OK {
		t.Fatalf("silence: reply %+v, want ok", got)
	}
	for batch := range 6 {
		var ps []string
		for i := range 50 {
			ps = append(ps, cmdAt(fmt.Sprintf("st-%d-%d", batch, i), r.fc.Now(), `"cmd":"status"`))
		}
		r.send(t, ps...)
		for i := range 50 {
			r.reply(t, fmt.Sprintf("st-%d-%d", batch, i), 1)
		}
	}
	r.stop()
	r.fc.Advance(9 * time.Minute)
	r.start(t)

	r.send(t, silence)
	if got := r.reply(t, "s-1", 2); !got.OK {
		t.Fatalf("replayed within the window after a restart: reply %+v, want the first reply again", got)
	}
	if n := box.snapshot().silenced; n != 1 {
		t.Fatalf("siren silenced %d times, want once: a replay was acted on", n)
	}
	r.fc.Advance(2 * time.Minute)
	r.send(t, silence)
	if got := r.reply(t, "s-1", 3); got.OK || got.Code != protocol.CodeStale {
		t.Fatalf("replayed after the window: reply %+v, want code stale", got)
	}
	if n := box.snapshot().silenced; n != 1 {
		t.Fatalf("siren silenced %d times, want once", n)
	}
}

// TestCommandBurstAllAnswered: a burst larger than the box's queue is
// answered command by command, each done or refused as busy, none silently
// lost; a busy command sent again is carried out.
func TestCommandBurstAllAnswered(t *testing.T) {
	r := newWindowRig(t, Deps{})
	const n = 256
	var ps []string
	for i := range n {
		ps = append(ps, cmdAt(fmt.Sprintf("b-%d", i), r.fc.Now(), `"cmd":"set_heartbeat","interval_s":30`))
	}
	r.send(t, ps...)
	require.Eventually(t, func() bool { return len(r.col.replies()) >= n }, waitFor, tick, "a reply to each of %d commands", n)
	var busy []string
	for i := range n {
		id := fmt.Sprintf("b-%d", i)
		got := r.col.replies()[id]
		require.NotEmpty(t, got, "reply to %s", id)
		switch {
		case got[0].OK:
		case got[0].Code == protocol.CodeBusy:
			busy = append(busy, id)
		default:
			t.Fatalf("%s: reply %+v, want ok or busy", id, got[0])
		}
	}
	t.Logf("%d of %d refused as busy", len(busy), n)
	for _, id := range busy {
		r.send(t, cmdAt(id, r.fc.Now(), `"cmd":"set_heartbeat","interval_s":30`))
		if got := r.reply(t, id, 2); !got.OK {
			t.Fatalf("%s sent again after busy: reply %+v, want ok", id, got)
		}
	}
}
