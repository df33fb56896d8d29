// The sequence floor: a box whose database was replaced after corruption
// continues its sequence above every number it ever used, so the center
// never takes new events for old ones (docs/protocol.md, "Sequence faults").
//
// Beside the database, <path>.seq holds a ceiling: a number at or above
// every seq ever assigned. Commit raises it, in blocks of seqBlock, before
// it commits a number past it, writing it with atomicfile (fsynced, renamed,
// directory fsynced), so one small write serves a thousand events and the
// ceiling is on disk before any number below it is. A fresh database after
// corruption starts at the highest of the ceiling and whatever of the
// corrupt file can still be read (its counter, its highest event); the
// numbers between the last event the center has and the new start are a
// gap the box cannot replay, which the center lists as such.

package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/safehub-iot/safehub/internal/atomicfile"
)

// seqBlock is how far ahead of the sequence the ceiling is reserved.
const seqBlock = 1000

func floorPath(dbPath string) string { return dbPath + ".seq" }

// readFloor reads the ceiling beside dbPath (0 if there is none, or it
// cannot be read: the database's own counter still holds).
func readFloor(dbPath string) int64 {
	b, err := os.ReadFile(floorPath(dbPath))
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// reserve makes sure the ceiling on disk is at least seq, raising it to
// seq+seqBlock when it is not. In memory there is no ceiling. A failed
// write never fails the commit (an alarm matters more than a recovery
// aid): the ceiling stays where it was, the next commit tries again, and
// the failure is kept for CeilingErr.
func (s *Store) reserve(seq int64) {
	if s.floorFile == "" {
		return
	}
	s.floorMu.Lock()
	defer s.floorMu.Unlock()
	if seq <= s.ceiling {
		return
	}
	next := seq + seqBlock
	if err := atomicfile.WriteFile(s.floorFile, []byte(strconv.FormatInt(next, 10)+"\n"), 0o600); err != nil {
		s.ceilingErr = fmt.Errorf("store: raise sequence ceiling: %w", err)
		return
	}
	s.ceiling, s.ceilingErr = next, nil
}

// CeilingErr is the last failure to raise the sequence ceiling (nil once a
// write succeeds again).
func (s *Store) CeilingErr() error {
	s.floorMu.Lock()
	defer s.floorMu.Unlock()
	return s.ceilingErr
}

// salvageSeq reads, best effort, the highest sequence number of a corrupt
// database file (0 if nothing can be read), opened immutable so that
// reading it leaves the moved-aside files as they were.
func salvageSeq(ctx context.Context, path string) int64 {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&immutable=1")
	if err != nil {
		return 0
	}
	defer db.Close()
	var best int64
	for _, q := range []string{`SELECT value FROM meta WHERE key = 'seq'`, `SELECT COALESCE(MAX(seq), 0) FROM events`} {
		var n int64
		if err := db.QueryRowContext(ctx, q).Scan(&n); err == nil && n > best {
			best = n
		}
	}
	return best
}

// startAt sets the sequence counter of a fresh database to seq.
func (s *Store) startAt(ctx context.Context, seq int64) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE meta SET value = ? WHERE key = 'seq' AND value < ?`, seq, seq); err != nil {
		return fmt.Errorf("store: continue sequence at %d: %w", seq, err)
	}
	s.advance(seq)
	return nil
}
