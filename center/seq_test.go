package center

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/center/alarmdb"
	"github.com/safehub-iot/safehub/cloudlink/protocol"
)

// heartbeatSeq publishes a heartbeat reporting lastSeq and an empty outbox.
func (h *home) heartbeatSeq(tb testing.TB, at time.Time, intervalS int, lastSeq int64) {
	tb.Helper()
	b, err := protocol.Encode(&protocol.HeartbeatMsg{Site: h.site, Time: at, IntervalS: intervalS, LastSeq: lastSeq})
	require.NoError(tb, err)
	topic, err := protocol.Topic(h.site, protocol.Heartbeat)
	require.NoError(tb, err)
	tok := h.mq.Publish(topic, 1, false, b)
	require.True(tb, tok.WaitTimeout(10*time.Second))
	require.NoError(tb, tok.Error())
}

func gapCount(tb testing.TB, c *Center, site string) int {
	tb.Helper()
	gs, err := c.DB().Gaps(context.Background(), site)
	require.NoError(tb, err)
	return len(gs)
}

// TestHeartbeatLastSeqAsksForLostEvent: the box's last event never reached
// the center and nothing came after it; the heartbeat's last_seq shows it,
// and the center asks for its replay before the second heartbeat is due.
func TestHeartbeatLastSeqAsksForLostEvent(t *testing.T) {
	clock := clockwork.NewFakeClock()
	c := startCenter(t, Config{Clock: clock, Tick: time.Second, GapGrace: 3 * time.Second, HeartbeatLimit: time.Hour})
	h := newHome(t, c.BrokerURL(), "oak-3")
	h.publish(t, alarm("oak-3", 1, clock.Now()))
	h.publish(t, alarm("oak-3", 2, clock.Now()))
	require.Eventually(t, func() bool { return siteAlarms(t, c, "oak-3") == 2 }, 10*time.Second, 10*time.Millisecond)
	// Event 3 was committed and accepted by the broker, then lost.
	const interval = 10
	h.heartbeatSeq(t, clock.Now(), interval, 3)
	require.Eventually(t, func() bool { return gapCount(t, c, "oak-3") == 1 }, 10*time.Second, 10*time.Millisecond, "heartbeat shows the gap")
	for i := 0; i < interval; i++ { // one heartbeat interval, a tick at a time
		clock.Advance(time.Second)
		select {
		case cmd := <-h.cmds:
			if cmd.Cmd != protocol.CmdReplay || cmd.From != 3 || cmd.To != 3 {
				t.Fatalf("got %+v, want replay 3..3", cmd)
			}
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
	t.Fatal("no replay of the lost last event within one heartbeat interval")
}

func siteAlarms(tb testing.TB, c *Center, site string) int {
	tb.Helper()
	as, err := c.Alarms(context.Background(), alarmdb.Filter{Site: site})
	require.NoError(tb, err)
	return len(as)
}

// TestAbsurdSeqIsOneHomesFault: one home sends seq 2^63-1. It gets one
// maintenance item and no replay request of an absurd range, and another
// home's alarms keep being acknowledged and its silence keeps being
// noticed, before and after a center restart.
func TestAbsurdSeqIsOneHomesFault(t *testing.T) {
	clock := clockwork.NewFakeClock()
	dbPath := filepath.Join(t.TempDir(), "center.db")
	cfg := Config{DBPath: dbPath, HTTPAddr: "127.0.0.1:0", MQTTAddr: "127.0.0.1:0", Log: testLog(),
		Clock: clock, Tick: time.Second, GapGrace: 3 * time.Second, HeartbeatLimit: time.Hour}
	for round := int64(1); round <= 2; round++ {
		t.Run(fmt.Sprint("round ", round), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			c, err := Start(ctx, cfg)
			require.NoError(t, err)
			defer c.Close(context.Background())
			bad := newHome(t, c.BrokerURL(), "bad-1")
			good := newHome(t, c.BrokerURL(), "good-1")

			bad.publish(t, alarm("bad-1", round, clock.Now()))
			absurd := alarm("bad-1", math.MaxInt64-round+1, clock.Now())
			absurd.ID = fmt.Sprintf("bad-1-absurd-%d", round)
			absurd.AlarmID = absurd.ID
			bad.publish(t, absurd)
			require.Eventually(t, func() bool { return siteAlarms(t, c, "bad-1") == int(2*round) }, 10*time.Second, 10*time.Millisecond,
				"the absurd home's alarms are still stored and shown")
			clock.Advance(5 * time.Second) // past the gap grace: the tick loop requests gaps

			good.heartbeat(t, clock.Now(), 10) // limit 25 s
			good.publish(t, alarm("good-1", round, clock.Now()))
			id := fmt.Sprintf("good-1-%04d", round)
			require.Eventually(t, func() bool { return siteAlarms(t, c, "good-1") == int(round) }, 10*time.Second, 10*time.Millisecond)
			_, err = c.Acknowledge(context.Background(), id, "anna")
			require.NoError(t, err)
			cmd := waitCmd(t, good)
			require.Equal(t, protocol.CmdAck, cmd.Cmd)
			require.Equal(t, id, cmd.AlarmID)

			online := func() bool {
				hs, err := c.DB().Homes(context.Background())
				require.NoError(t, err)
				for _, h := range hs {
					if h.Site == "good-1" {
						return h.Online
					}
				}
				return false
			}
			require.True(t, online())
			clock.Advance(30 * time.Second)
			require.Eventually(t, func() bool { return !online() }, 10*time.Second, 10*time.Millisecond, "the silent good home goes offline")

			select {
			case cmd := <-bad.cmds:
				t.Fatalf("command to the absurd home: %+v, want none (no range to replay)", cmd)
			default:
			}
			items, err := c.DB().Maintenance(context.Background(), true)
			require.NoError(t, err)
			var jumps int
			for _, m := range items {
				if m.Kind == alarmdb.KindSeqJump {
					require.Equal(t, "bad-1", m.Site)
					jumps++
				}
			}
			require.Equal(t, 1, jumps, "one maintenance item for the absurd home: %+v", items)
			require.Zero(t, gapCount(t, c, "bad-1"))
		})
	}
}
