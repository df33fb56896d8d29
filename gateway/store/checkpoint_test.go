package store

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/gateway"
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
			ev := &gateway.Event{Kind: gateway.AlarmRaised, Severity: gateway.Critical, Sensor: "button", Rule: "call", Time: time.Now()}
			if err := s.Commit(ctx, []*gateway.Event{ev}, map[string][]byte{"active": {byte(r), byte(i)}}); err != nil {
				t.Fatal(err)
			}
			if fi, err := os.Stat(s.Path() + "-wal"); err == nil {
				maxWAL = max(maxWAL, fi.Size())
			}
		}
		// The pause: the checkpointer was woken during the burst and
		// runs once more after it.
		require.Eventually(t, func() bool { return s.ckpt.Passes() >= passes+2 }, 10*time.Second, time.Millisecond)
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
