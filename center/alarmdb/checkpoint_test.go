package alarmdb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/safehub-iot/safehub/event"
	"github.com/stretchr/testify/require"
)

// TestWriterSettings: the writer's connection has its own checkpoint
// threshold and page cache, and keeps every commit durable.
func TestWriterSettings(t *testing.T) {
	db, _ := openTest(t)
	tests := []struct {
		pragma string
		want   int
	}{
		{pragma: "wal_autocheckpoint", want: ckptSafetyPages},
		{pragma: "cache_size", want: -cacheKiB},
		{pragma: "synchronous", want: 2}, // FULL
	}
	for _, tt := range tests {
		t.Run(tt.pragma, func(t *testing.T) {
			var got int
			require.NoError(t, db.db.QueryRowContext(context.Background(), "PRAGMA "+tt.pragma).Scan(&got))
			if got != tt.want {
				t.Errorf("PRAGMA %s: got %d, want %d", tt.pragma, got, tt.want)
			}
		})
	}
}

// Alarms stored one batch at a time, in bursts with pauses between: the
// background checkpointer empties the write-ahead log in each pause, so
// the log restarts small and no ingest commit checkpoints inside itself
// (it would at ckptSafetyPages); every alarm is still there after a
// reopen.
func TestBackgroundCheckpointEmptiesTheLog(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "center.db")
	db, err := Open(ctx, path, clockwork.NewFakeClockAt(t0))
	require.NoError(t, err)

	const rounds, perRound = 10, 2 * ckptEvery
	var maxWAL int64
	seq := int64(0)
	for range rounds {
		passes := db.ckpt.Passes()
		for range perRound {
			seq++
			in := alarmEvent(fmt.Sprintf("home-%d", seq%7), seq, event.Critical)
			_, err := db.Store(ctx, []Message{{Event: &in, Sighting: &Sighting{Site: in.Site, At: t0}}})
			require.NoError(t, err)
			if fi, err := os.Stat(path + "-wal"); err == nil {
				maxWAL = max(maxWAL, fi.Size())
			}
		}
		// The pause: the checkpointer, woken during the burst, has run
		// since its last write.
		require.Eventually(t, func() bool { return db.ckpt.Passes() > passes && db.ckpt.CaughtUp() }, 10*time.Second, time.Millisecond)
	}
	// Without the background checkpoints the log grows to the safety
	// net's 4,000 pages (16 MB) before anything empties it.
	const limit = 10 << 20
	if maxWAL > limit {
		t.Fatalf("write-ahead log grew to %d bytes (limit %d) over %d commits in bursts of %d", maxWAL, limit, rounds*perRound, perRound)
	}
	t.Logf("write-ahead log at most %d KiB", maxWAL>>10)
	// Each complete checkpoint restarted the log itself, off the ingest
	// path (walckpt.Config.Restart).
	var restarts int64
	require.NoError(t, db.db.QueryRowContext(ctx, `SELECT n FROM counters WHERE name = 'wal_restarts'`).Scan(&restarts))
	require.Positive(t, restarts)
	require.Equal(t, db.ckpt.Restarts(), restarts)
	require.NoError(t, db.Close())
	db, err = Open(ctx, path, nil)
	require.NoError(t, err)
	defer db.Close()
	alarms, err := db.Alarms(ctx, Filter{})
	require.NoError(t, err)
	require.Len(t, alarms, rounds*perRound)
}
