// Package store is the box's local SQLite database: the event log, which is
// also the cloud link's outbox, the per-box sequence counter, and the state
// that must survive a restart (active alarms, rule timers).
//
// Every event is committed with synchronous=FULL in one transaction that also
// advances the sequence counter, so after a power cut or kill -9 an event
// that was reported committed is there, and no sequence number is used twice.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/safehub-iot/safehub/internal/sqlitedb"
	"github.com/safehub-iot/safehub/internal/sqlitedb/walckpt"
)

// Store is the local database. It is safe for concurrent use.
type Store struct {
	db   *sql.DB
	path string
	// committed is the highest sequence number committed, kept in memory
	// so the cloud link can tell "nothing new" without a query.
	committed atomic.Int64
	// ckpt runs WAL checkpoints off the commit path (nil in memory).
	ckpt *walckpt.Checkpointer
	// stmts are the commit path's statements, prepared once.
	stmts struct{ putState, readSeq, insertEvent, writeSeq *sql.Stmt }
	// floorFile is the sequence ceiling's file ("" in memory); ceiling is
	// the value on disk (seqfloor.go).
	floorFile  string
	floorMu    sync.Mutex
	ceiling    int64
	ceilingErr error
}

// ErrCorrupt is returned by Open when the file fails SQLite's integrity
// check; the file has been moved aside (see Open).
var ErrCorrupt = errors.New("store: database file is corrupt")

// Open opens (creating if needed) the database at path and brings its schema
// up to date. A file that fails PRAGMA quick_check is renamed to
// path+".corrupt-<unix time>" and a fresh database is created in its place;
// Open then returns the new store together with an error wrapping ErrCorrupt,
// so the caller can raise a critical fault event instead of crash-looping.
// The fresh database continues the sequence above every number the old one
// used (seqfloor.go), so the center never mistakes new events for old ones.
func Open(ctx context.Context, path string) (*Store, error) {
	s, err := open(ctx, path)
	if err == nil {
		s.reserve(s.Committed())
		return s, nil
	}
	if !errors.Is(err, ErrCorrupt) {
		return nil, err
	}
	aside := fmt.Sprintf("%s.corrupt-%d", path, time.Now().Unix())
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if rerr := os.Rename(path+suffix, aside+suffix); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			return nil, fmt.Errorf("store: move corrupt file aside: %w", rerr)
		}
	}
	s, err2 := open(ctx, path)
	if err2 != nil {
		return nil, err2
	}
	start := max(s.ceiling, salvageSeq(ctx, aside))
	if err2 := s.startAt(ctx, start); err2 != nil {
		s.Close()
		return nil, err2
	}
	s.reserve(start)
	return s, fmt.Errorf("%w: moved to %s, sequence continues above %d: %v", ErrCorrupt, aside, start, err)
}

func open(ctx context.Context, path string) (*Store, error) {
	db, dsn, err := sqlitedb.Open(path, sqlitedb.Options{Driver: boxDriver, ForeignKeys: true})
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	s := &Store{db: db, path: path}
	if !inMemory(path) {
		s.floorFile, s.ceiling = floorPath(path), readFloor(path)
	}
	if err := s.check(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := sqlitedb.Migrate(ctx, db, migrations); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %w", err)
	}
	seq, err := s.LastSeq(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	s.committed.Store(seq)
	if err := s.prepare(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if !inMemory(path) {
		if s.ckpt, err = startCheckpointer(dsn); err != nil {
			db.Close()
			return nil, err
		}
	}
	return s, nil
}

func (s *Store) check(ctx context.Context) error {
	var res string
	if err := s.db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&res); err != nil {
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if res != "ok" {
		return fmt.Errorf("%w: quick_check: %s", ErrCorrupt, res)
	}
	return nil
}

// Path is the database file's path.
func (s *Store) Path() string { return s.path }

// DB gives packages that keep their own tables in the box database (after
// registering them with their migrations) access to it.
func (s *Store) DB() *sql.DB { return s.db }

// Committed is the highest sequence number committed so far (0 for a new
// box), read from memory: a cheap "anything new?" for the cloud link's
// outbox poll, which would otherwise query the table every second.
func (s *Store) Committed() int64 { return s.committed.Load() }

// advance raises Committed to seq (commits may finish out of order).
func (s *Store) advance(seq int64) {
	for {
		cur := s.committed.Load()
		if seq <= cur || s.committed.CompareAndSwap(cur, seq) {
			return
		}
	}
}

// prepare prepares the statements every commit runs, so a commit does not
// compile its SQL again each time.
func (s *Store) prepare(ctx context.Context) error {
	for _, p := range []struct {
		dst **sql.Stmt
		sql string
	}{
		{&s.stmts.putState, `INSERT INTO state(key, value, updated_ms) VALUES (?,?,?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms`},
		{&s.stmts.readSeq, `SELECT value FROM meta WHERE key = 'seq'`},
		{&s.stmts.insertEvent, `INSERT INTO events(seq, id, time_ms, kind, severity, priority, sensor, alarm_id, test, body) VALUES (?,?,?,?,?,?,?,?,?,?)`},
		{&s.stmts.writeSeq, `UPDATE meta SET value = ? WHERE key = 'seq'`},
	} {
		st, err := s.db.PrepareContext(ctx, p.sql)
		if err != nil {
			return fmt.Errorf("store: prepare %q: %w", p.sql, err)
		}
		*p.dst = st
	}
	return nil
}

// inMemory reports an in-memory database (the simulator's homes), which
// has no write-ahead log and no file a second connection could share.
func inMemory(path string) bool {
	return path == ":memory:" || strings.HasPrefix(path, ":memory:") || strings.Contains(path, "mode=memory")
}

// Close closes the database. Committed events are already on disk.
func (s *Store) Close() error {
	var err error
	if s.ckpt != nil {
		err = s.ckpt.Close()
		s.ckpt = nil
	}
	return errors.Join(err, s.db.Close())
}

// lazyTx runs fn in a transaction committed without its own fsync
// (synchronous=NORMAL for that one transaction). It is for bookkeeping whose
// loss in a power cut is harmless: a PUBACK mark that is lost only makes the
// link publish the event again under the same id, which the center drops as
// a duplicate. In WAL mode the next FULL commit (every event commit) fsyncs
// the log with these frames in it, so order on disk is kept, and the
// pipeline's commits no longer queue behind an fsync they do not need
// (walckpt.LazyTx).
func (s *Store) lazyTx(ctx context.Context, fn func(*sql.Tx) error) error {
	if err := walckpt.LazyTx(ctx, s.db, fn); err != nil {
		return err
	}
	s.wrote()
	return nil
}
