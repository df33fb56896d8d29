package center

import (
	"context"
	"database/sql"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/center/alarmdb"
)

// ackMsg is a received MQTT message that records its acknowledgement.
type ackMsg struct{ acked atomic.Bool }

func (*ackMsg) Duplicate() bool   { return false }
func (*ackMsg) Qos() byte         { return 1 }
func (*ackMsg) Retained() bool    { return false }
func (*ackMsg) Topic() string     { return "safehub/v1/home-1/alarm" }
func (*ackMsg) MessageID() uint16 { return 1 }
func (*ackMsg) Payload() []byte   { return nil }
func (m *ackMsg) Ack()            { m.acked.Store(true) }

// errorCounter counts error records whose message has a given prefix.
type errorCounter struct {
	prefix string
	n      atomic.Int64
}

func (h *errorCounter) Enabled(context.Context, slog.Level) bool { return true }
func (h *errorCounter) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError && strings.HasPrefix(r.Message, h.prefix) {
		h.n.Add(1)
	}
	return nil
}
func (h *errorCounter) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *errorCounter) WithGroup(string) slog.Handler      { return h }

// TestAlarmShownBeforeSyncAckedAfter: the ingest loop shows an alarm as
// soon as its batch is committed, but acknowledges the message to the
// broker only once the batch is fsynced; while the sync fails, the message
// stays unacknowledged (the broker would deliver it again).
func TestAlarmShownBeforeSyncAckedAfter(t *testing.T) {
	clock := clockwork.NewFakeClock()
	failures := &errorCounter{prefix: "sync received messages"}
	shown := make(chan alarmdb.Alarm, 1)
	c := startCenter(t, Config{Clock: clock, Log: slog.New(failures), OnAlarm: func(a alarmdb.Alarm) { shown <- a }})

	// Break Sync from the side: with no counter row it writes nothing,
	// and fails.
	side, err := sql.Open("sqlite3", "file:"+filepath.Clean(c.cfg.DBPath)+"?_busy_timeout=5000")
	require.NoError(t, err)
	defer side.Close()
	_, err = side.Exec(`DELETE FROM counters WHERE name = 'syncs'`)
	require.NoError(t, err)

	msg := &ackMsg{}
	ev := alarm("home-1", 1, clock.Now())
	c.in <- inbound{msg: msg, event: &alarmdb.Incoming{Site: "home-1", Event: ev, Received: clock.Now()},
		sighting: &alarmdb.Sighting{Site: "home-1", At: clock.Now()}}
	select {
	case a := <-shown:
		require.Equal(t, ev.ID, a.ID)
	case <-time.After(10 * time.Second):
		t.Fatal("alarm not shown")
	}
	require.Eventually(t, func() bool { return failures.n.Load() >= 1 }, 10*time.Second, time.Millisecond, "sync failure not logged")
	// The loop now waits on the fake clock to retry: nothing can
	// acknowledge the message meanwhile.
	require.False(t, msg.acked.Load(), "message acknowledged before its batch was on disk")

	_, err = side.Exec(`INSERT INTO counters(name, n) VALUES ('syncs', 0)`)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		clock.Advance(10 * time.Second) // past any backoff
		return msg.acked.Load()
	}, 10*time.Second, time.Millisecond, "message not acknowledged once the sync succeeded")
	require.Len(t, shown, 0, "alarm shown twice")
}
