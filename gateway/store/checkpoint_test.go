package store

import (
	"context"
	"encoding/binary"
	"io"
	"os"
	"testing"
	"time"

	"github.com/safehub-iot/safehub/event"
	"github.com/stretchr/testify/require"
)

// Alarms committed in bursts with pauses between, as a home makes them:
// the background checkpointer empties the write-ahead log in each pause,
// so the log restarts small and the writer never checkpoints inside a
// commit (it would at ckptSafetyPages, some 300 commits); every event is
// still there after a reopen.
func TestBackgroundCheckpointEmptiesTheLog(t *testing.T) {
	ctx := context.Background()
	s := openOutboxTest(t)
	var autockpt int
	if err := s.db.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&autockpt); err != nil {
		t.Fatal(err)
	}
	if autockpt != ckptSafetyPages {
		t.Fatalf("writer's wal_autocheckpoint = %d, want %d", autockpt, ckptSafetyPages)
	}
	const rounds, perRound = 10, 2 * ckptEvery
	var maxWAL int64
	for r := range rounds {
		passes := s.ckpt.Passes()
		for i := range perRound {
			ev := &event.Event{Kind: event.AlarmRaised, Severity: event.Critical, Sensor: "button", Rule: "call", Time: time.Now()}
			if err := s.Commit(ctx, []*event.Event{ev}, map[string][]byte{"active": {byte(r), byte(i)}}); err != nil {
				t.Fatal(err)
			}
			if fi, err := os.Stat(s.Path() + "-wal"); err == nil {
				maxWAL = max(maxWAL, fi.Size())
			}
		}
		// The pause: the checkpointer, woken during the burst, has run
		// since its last write.
		require.Eventually(t, func() bool { return s.ckpt.Passes() > passes && s.ckpt.CaughtUp() }, 10*time.Second, time.Millisecond)
	}
	// Without the background checkpoints the log grows to the safety
	// net's 2,000 pages (8 MB) before anything empties it.
	const limit = 6 << 20
	if maxWAL > limit {
		t.Fatalf("write-ahead log grew to %d bytes (limit %d) over %d commits in bursts of %d", maxWAL, limit, rounds*perRound, perRound)
	}
	path := s.Path()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if got, err := s2.LastSeq(ctx); err != nil || got != rounds*perRound {
		t.Fatalf("after reopen LastSeq = %d, %v; want %d", got, err, rounds*perRound)
	}
}

// walCheckpointSeq reads the write-ahead log header's checkpoint sequence
// number, which SQLite advances each time the log restarts from its start.
func walCheckpointSeq(t *testing.T, path string) uint32 {
	t.Helper()
	f, err := os.Open(path + "-wal")
	require.NoError(t, err)
	defer f.Close()
	hdr := make([]byte, 32)
	_, err = io.ReadFull(f, hdr)
	require.NoError(t, err)
	return binary.BigEndian.Uint32(hdr[12:16])
}

// After the background checkpointer has copied the whole log, it restarts
// the log itself, so the next alarm's commit appends to a log already
// restarted instead of restarting it (which costs that commit a second
// fsync, for the new log header).
func TestCheckpointerRestartsTheLog(t *testing.T) {
	ctx := context.Background()
	s := openOutboxTest(t)
	commit := func() {
		ev := &event.Event{Kind: event.AlarmRaised, Severity: event.Critical, Sensor: "button", Rule: "call", Time: time.Now()}
		require.NoError(t, s.Commit(ctx, []*event.Event{ev}, map[string][]byte{"active": {1}}))
	}
	for range ckptEvery { // the last one wakes the checkpointer
		commit()
	}
	require.Eventually(t, func() bool { return s.ckpt.Restarts() >= 1 }, 10*time.Second, time.Millisecond)
	restarted := walCheckpointSeq(t, s.Path())
	commit()
	require.Equal(t, restarted, walCheckpointSeq(t, s.Path()), "the alarm's commit restarted the log")
	var n int
	require.NoError(t, s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'wal_restarts'`).Scan(&n))
	require.Equal(t, int(s.ckpt.Restarts()), n)
}
