package center

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/center/alarmdb"
	"github.com/safehub-iot/safehub/cloudlink/protocol"
)

// reply publishes a box's answer to a command.
func (h *home) reply(tb testing.TB, r protocol.ReplyMsg) {
	tb.Helper()
	r.Site = h.site
	b, err := protocol.Encode(&r)
	require.NoError(tb, err)
	topic, err := protocol.Topic(h.site, protocol.Reply)
	require.NoError(tb, err)
	tok := h.mq.Publish(topic, 1, false, b)
	require.True(tb, tok.WaitTimeout(10*time.Second))
	require.NoError(tb, tok.Error())
}

// TestAckRefusedRetried: a box's refusal of an acknowledgement shows as
// refused with the reason while the center tries again under a new id;
// "told" comes only with the box's success reply, and a late refusal of an
// older attempt changes nothing.
func TestAckRefusedRetried(t *testing.T) {
	clock := clockwork.NewFakeClock()
	c := startCenter(t, Config{Clock: clock, Tick: time.Second, HeartbeatLimit: time.Hour})
	h := newHome(t, c.BrokerURL(), "rose-12")
	h.publish(t, alarm("rose-12", 1, clock.Now()))
	ctx := context.Background()
	require.Eventually(t, func() bool {
		as, err := c.Alarms(ctx, alarmdb.Filter{})
		return err == nil && len(as) == 1
	}, 10*time.Second, 10*time.Millisecond)
	get := func() alarmdb.Alarm {
		a, err := c.DB().Alarm(ctx, "rose-12-0001")
		require.NoError(t, err)
		return a
	}

	_, err := c.Acknowledge(ctx, "rose-12-0001", "anna")
	require.NoError(t, err)
	first := waitCmd(t, h)
	if first.ID != "ack-rose-12-0001-1" {
		t.Fatalf("first attempt id %q, want ack-rose-12-0001-1", first.ID)
	}
	require.Eventually(t, func() bool { return !get().AckSent.IsZero() }, 10*time.Second, 10*time.Millisecond)
	if a := get(); !a.AckTold.IsZero() {
		t.Fatalf("told before any reply: %+v", a)
	}

	h.reply(t, protocol.ReplyMsg{ID: first.ID, Cmd: protocol.CmdAck, Code: protocol.CodeStale, Error: "time: 11m0s away from the box clock", Time: clock.Now()})
	require.Eventually(t, func() bool { return strings.Contains(get().AckRefused, "stale") }, 10*time.Second, 10*time.Millisecond, "refusal shown")
	if a := get(); !a.AckTold.IsZero() {
		t.Fatalf("told after a refusal: %+v", a)
	}

	var second protocol.CommandMsg
	require.Eventually(t, func() bool {
		clock.Advance(time.Second)
		select {
		case second = <-h.cmds:
			return true
		default:
			return false
		}
	}, 10*time.Second, 20*time.Millisecond, "a retry after the refusal")
	if second.ID != "ack-rose-12-0001-2" || second.AlarmID != "rose-12-0001" {
		t.Fatalf("retry = %+v, want attempt 2 of the same alarm", second)
	}
	require.Eventually(t, func() bool { return get().AckAttempt == 2 }, 10*time.Second, 10*time.Millisecond)
	// A late copy of the first refusal is about an old attempt.
	h.reply(t, protocol.ReplyMsg{ID: first.ID, Cmd: protocol.CmdAck, Code: protocol.CodeStale, Error: "late copy", Time: clock.Now()})
	h.reply(t, protocol.ReplyMsg{ID: second.ID, Cmd: protocol.CmdAck, OK: true, Result: []byte(`{"alarm_id":"rose-12-0001","already":false}`), Time: clock.Now()})
	require.Eventually(t, func() bool { return !get().AckTold.IsZero() }, 10*time.Second, 10*time.Millisecond, "told after the success reply")
	if a := get(); a.AckRefused != "" || a.AckSent.IsZero() {
		t.Fatalf("after success: refused %q sent %v; want no refusal shown", a.AckRefused, a.AckSent)
	}
	clock.Advance(3 * time.Second)
	select {
	case cmd := <-h.cmds:
		t.Fatalf("command after the box took the ack: %+v", cmd)
	case <-time.After(200 * time.Millisecond):
	}
}
