package center

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/center/alarmdb"
	"github.com/safehub-iot/safehub/cloudlink/protocol"
	"github.com/safehub-iot/safehub/event"
)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// testLog logs with -v only.
func testLog() *slog.Logger {
	if testing.Verbose() {
		return slog.Default()
	}
	return quietLog()
}

func startCenter(tb testing.TB, cfg Config) *Center {
	tb.Helper()
	cfg.DBPath = filepath.Join(tb.TempDir(), "center.db")
	cfg.HTTPAddr, cfg.MQTTAddr = "127.0.0.1:0", "127.0.0.1:0"
	if cfg.Log == nil {
		cfg.Log = testLog()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := Start(ctx, cfg)
	require.NoError(tb, err)
	tb.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// home publishes as a box would, with cloudlink/protocol payloads.
type home struct {
	site string
	mq   paho.Client
	cmds chan protocol.CommandMsg
}

func newHome(tb testing.TB, url, site string) *home {
	tb.Helper()
	return newTLSHome(tb, url, site, nil)
}

// newTLSHome is newHome with a client TLS config (certificate CN = site).
func newTLSHome(tb testing.TB, url, site string, tc *tls.Config) *home {
	tb.Helper()
	h := &home{site: site, cmds: make(chan protocol.CommandMsg, 100)}
	opts := paho.NewClientOptions().AddBroker(url).SetClientID(site).SetUsername(site).SetCleanSession(true).SetTLSConfig(tc)
	h.mq = paho.NewClient(opts)
	tok := h.mq.Connect()
	require.True(tb, tok.WaitTimeout(10*time.Second), "connect %s", site)
	require.NoError(tb, tok.Error())
	topic, err := protocol.Topic(site, protocol.Cmd)
	require.NoError(tb, err)
	tok = h.mq.Subscribe(topic, 1, func(_ paho.Client, m paho.Message) {
		cmd, err := protocol.DecodeCommand(m.Payload())
		if err != nil {
			tb.Errorf("home %s: bad command: %v", site, err)
			return
		}
		h.cmds <- cmd
	})
	require.True(tb, tok.WaitTimeout(10*time.Second))
	require.NoError(tb, tok.Error())
	tb.Cleanup(func() { h.mq.Disconnect(50) })
	return h
}

func (h *home) publish(tb testing.TB, ev event.Event) {
	tb.Helper()
	msg := protocol.NewEventMsg(h.site, ev, ev.Time)
	b, err := protocol.Encode(&msg)
	require.NoError(tb, err)
	topic, err := protocol.Topic(h.site, protocol.ChannelOf(ev.Kind))
	require.NoError(tb, err)
	tok := h.mq.Publish(topic, 1, false, b)
	require.True(tb, tok.WaitTimeout(10*time.Second))
	require.NoError(tb, tok.Error())
}

func (h *home) heartbeat(tb testing.TB, at time.Time, intervalS int) {
	tb.Helper()
	b, err := protocol.Encode(&protocol.HeartbeatMsg{Site: h.site, Time: at, IntervalS: intervalS})
	require.NoError(tb, err)
	topic, err := protocol.Topic(h.site, protocol.Heartbeat)
	require.NoError(tb, err)
	tok := h.mq.Publish(topic, 1, false, b)
	require.True(tb, tok.WaitTimeout(10*time.Second))
	require.NoError(tb, tok.Error())
}

func alarm(site string, seq int64, at time.Time) event.Event {
	id := fmt.Sprintf("%s-%04d", site, seq)
	return event.Event{ID: id, AlarmID: id, Seq: seq, Time: at, Kind: event.AlarmRaised, Severity: event.Critical,
		Sensor: "button", SensorKind: "call_button", Room: "hall", Message: "emergency button pressed"}
}

func waitCmd(tb testing.TB, h *home) protocol.CommandMsg {
	tb.Helper()
	select {
	case c := <-h.cmds:
		return c
	case <-time.After(10 * time.Second):
		tb.Fatalf("home %s: no command arrived", h.site)
		return protocol.CommandMsg{}
	}
}

// TestBurstExactlyOnce: 1,000 alarms from 100 homes, each home sending its
// first alarm twice (a resend), all appear exactly once.
func TestBurstExactlyOnce(t *testing.T) {
	var hooked atomic.Int64
	var mu sync.Mutex
	hookedIDs := map[string]int{}
	c := startCenter(t, Config{OnAlarm: func(a alarmdb.Alarm) {
		hooked.Add(1)
		mu.Lock()
		hookedIDs[a.ID]++
		mu.Unlock()
	}})
	const homes, perHome = 100, 10
	now := time.Now()
	var wg sync.WaitGroup
	for i := range homes {
		h := newHome(t, c.BrokerURL(), fmt.Sprintf("home-%03d", i))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := int64(1); s <= perHome; s++ {
				h.publish(t, alarm(h.site, s, now))
			}
			h.publish(t, alarm(h.site, 1, now)) // resent: not acknowledged yet
		}()
	}
	wg.Wait()
	require.Eventually(t, func() bool { return hooked.Load() >= homes*perHome }, 30*time.Second, 20*time.Millisecond,
		"alarms stored: %d of %d", hooked.Load(), homes*perHome)

	got, err := c.Alarms(context.Background(), alarmdb.Filter{})
	require.NoError(t, err)
	ids := map[string]int{}
	for _, a := range got {
		ids[a.ID]++
	}
	if len(got) != homes*perHome || len(ids) != homes*perHome {
		t.Fatalf("got %d alarms with %d distinct ids, want %d each", len(got), len(ids), homes*perHome)
	}
	mu.Lock()
	for id, n := range hookedIDs {
		if n != 1 {
			t.Errorf("alarm %s reported %d times by OnAlarm, want 1", id, n)
		}
	}
	mu.Unlock()
	gaps, err := c.DB().Gaps(context.Background(), "")
	require.NoError(t, err)
	require.Empty(t, gaps, "no sequence gaps in a complete burst")
	// The console shows each once too.
	st := consoleState(t, c)
	if len(st.Alarms) != homes*perHome {
		t.Fatalf("console lists %d active alarms, want %d", len(st.Alarms), homes*perHome)
	}
}

// TestAckReachesBox: an operator's acknowledgement goes to the box's
// command topic, naming the operator; a resent alarm brings it again.
func TestAckReachesBox(t *testing.T) {
	c := startCenter(t, Config{})
	h := newHome(t, c.BrokerURL(), "rose-12")
	h.publish(t, alarm("rose-12", 1, time.Now()))
	require.Eventually(t, func() bool {
		as, err := c.Alarms(context.Background(), alarmdb.Filter{})
		return err == nil && len(as) == 1
	}, 10*time.Second, 10*time.Millisecond)

	_, err := c.Acknowledge(context.Background(), "rose-12-0001", "anna")
	require.NoError(t, err)
	cmd := waitCmd(t, h)
	if cmd.Cmd != protocol.CmdAck || cmd.AlarmID != "rose-12-0001" || cmd.Operator != "anna" {
		t.Fatalf("command at the box: got %+v, want ack of rose-12-0001 by anna", cmd)
	}
	require.Eventually(t, func() bool {
		a, err := c.DB().Alarm(context.Background(), "rose-12-0001")
		return err == nil && !a.AckSent.IsZero()
	}, 10*time.Second, 10*time.Millisecond, "ack marked sent")

	// The box did not hear it and sends the alarm again: the ack follows.
	h.publish(t, alarm("rose-12", 1, time.Now()))
	cmd = waitCmd(t, h)
	if cmd.Cmd != protocol.CmdAck || cmd.ID != "ack-rose-12-0001-2" {
		t.Fatalf("after resend: got %+v, want the ack again as attempt 2", cmd)
	}
}

// TestGapReplayAndSupervision drives the tick loop with a fake clock: a
// skipped sequence number is requested from the box once the grace time
// has passed, and a home silent past its heartbeat limit goes offline as
// one outage.
func TestGapReplayAndSupervision(t *testing.T) {
	clock := clockwork.NewFakeClock()
	c := startCenter(t, Config{Clock: clock, Tick: time.Second, GapGrace: 3 * time.Second, HeartbeatLimit: time.Hour})
	h := newHome(t, c.BrokerURL(), "oak-3")
	h.heartbeat(t, clock.Now(), 10) // limit 25 s
	h.publish(t, alarm("oak-3", 1, clock.Now()))
	h.publish(t, alarm("oak-3", 3, clock.Now()))
	require.Eventually(t, func() bool {
		gs, err := c.DB().Gaps(context.Background(), "oak-3")
		return err == nil && len(gs) == 1
	}, 10*time.Second, 10*time.Millisecond)
	select {
	case cmd := <-h.cmds:
		t.Fatalf("command before the gap's grace time: %+v", cmd)
	default:
	}

	clock.Advance(5 * time.Second)
	cmd := waitCmd(t, h)
	if cmd.Cmd != protocol.CmdReplay || cmd.From != 2 || cmd.To != 2 {
		t.Fatalf("got %+v, want replay 2..2", cmd)
	}
	h.publish(t, alarm("oak-3", 2, clock.Now()))
	require.Eventually(t, func() bool {
		gs, err := c.DB().Gaps(context.Background(), "oak-3")
		return err == nil && len(gs) == 0
	}, 10*time.Second, 10*time.Millisecond, "replayed event fills the gap")

	homeOnline := func() bool {
		hs, err := c.DB().Homes(context.Background())
		require.NoError(t, err)
		require.Len(t, hs, 1)
		return hs[0].Online
	}
	require.True(t, homeOnline())
	clock.Advance(30 * time.Second) // past 2.5 heartbeat intervals
	require.Eventually(t, func() bool { return !homeOnline() }, 10*time.Second, 10*time.Millisecond, "silent home goes offline")
	clock.Advance(30 * time.Second)
	h.heartbeat(t, clock.Now(), 10)
	require.Eventually(t, homeOnline, 10*time.Second, 10*time.Millisecond, "home back online")
	outs, err := c.DB().Outages(context.Background(), "oak-3")
	require.NoError(t, err)
	require.Len(t, outs, 1, "one outage")
	require.False(t, outs[0].Ended.IsZero(), "outage ended")
}

// TestBadPayloadsRefused: malformed or spoofed messages are refused without
// harm, and the next good one is stored.
func TestBadPayloadsRefused(t *testing.T) {
	c := startCenter(t, Config{})
	h := newHome(t, c.BrokerURL(), "elm-1")
	for _, p := range []string{"", "{", `{"v":1,"site":"elm-2","id":"x","seq":1}`, `{"v":99}`, `[1,2]`} {
		tok := h.mq.Publish("safehub/v1/elm-1/alarm", 1, false, p)
		require.True(t, tok.WaitTimeout(5*time.Second))
	}
	h.publish(t, alarm("elm-1", 1, time.Now()))
	require.Eventually(t, func() bool {
		as, err := c.Alarms(context.Background(), alarmdb.Filter{})
		return err == nil && len(as) == 1
	}, 10*time.Second, 10*time.Millisecond)
	n, err := c.DB().CountEvents(context.Background())
	require.NoError(t, err)
	if n != 1 {
		t.Fatalf("stored events: got %d, want 1 (bad payloads refused)", n)
	}
}

// TestTestAlarmAcknowledgedAutomatically: a commissioning test alarm is
// acknowledged by the center at once (no operator is dispatched), so the
// technician's test alarm gets its round trip; a real alarm waits for an
// operator.
func TestTestAlarmAcknowledgedAutomatically(t *testing.T) {
	c := startCenter(t, Config{})
	h := newHome(t, c.BrokerURL(), "rose-14")
	test := alarm("rose-14", 1, time.Now())
	test.Test = true
	h.publish(t, test)
	cmd := waitCmd(t, h)
	if cmd.Cmd != protocol.CmdAck || cmd.AlarmID != test.ID || cmd.Operator != TestAlarmOperator {
		t.Fatalf("command at the box: got %+v, want ack of %s by %q", cmd, test.ID, TestAlarmOperator)
	}
	real := alarm("rose-14", 2, time.Now())
	h.publish(t, real)
	require.Eventually(t, func() bool {
		_, err := c.DB().Alarm(context.Background(), real.ID)
		return err == nil
	}, 10*time.Second, 10*time.Millisecond)
	a, err := c.DB().Alarm(context.Background(), real.ID)
	require.NoError(t, err)
	require.Empty(t, a.AckedBy, "a real alarm waits for an operator")
}
