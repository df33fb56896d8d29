// Package alarmdb is the community center's SQLite database: every event
// received from every home (de-duplicated by event id), the alarms built from
// them with their operator lifecycle (new → acknowledged → resolved), the
// per-home sequence gaps still to be replayed, the homes' supervision state
// and outages, the maintenance list, the operators and the audit log.
//
// Writes from the MQTT side arrive in batches (Store) so one transaction and
// one fsync serve many messages, events, sightings and statuses alike; a
// message is acknowledged to the broker only after its batch is on disk,
// and because a repeated event id is ignored, every event is stored exactly
// once however often it is delivered.
package alarmdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/jonboulle/clockwork"

	_ "github.com/mattn/go-sqlite3" // the SQLite driver
	"github.com/safehub-iot/safehub/gateway/store/walckpt"
)

// Errors callers can test for with errors.Is.
var (
	ErrNotFound = errors.New("alarmdb: not found")
	// ErrState is returned for a lifecycle step the alarm is not ready
	// for: acknowledging it twice, resolving it before acknowledging it.
	ErrState = errors.New("alarmdb: alarm is not in the state this step needs")
	// ErrBadPassword is returned by CheckPassword for an unknown operator
	// or a wrong password, without saying which.
	ErrBadPassword = errors.New("alarmdb: unknown operator or wrong password")
)

// DB is the center database. It is safe for concurrent use.
type DB struct {
	db    *sql.DB
	st    statements
	ckpt  *walckpt.Checkpointer
	clock clockwork.Clock
}

// Open opens (creating if needed) the database at path and brings its
// schema up to date. A nil clock means the real clock.
func Open(ctx context.Context, path string, clock clockwork.Clock) (*DB, error) {
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("alarmdb: create directory: %w", err)
		}
	}
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_busy_timeout", "5000")
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	db, err := sql.Open(centerDriver, dsn)
	if err != nil {
		return nil, fmt.Errorf("alarmdb: open %s: %w", path, err)
	}
	// One connection: SQLite has one writer, and this rules out
	// SQLITE_BUSY between our own goroutines.
	db.SetMaxOpenConns(1)
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	d := &DB{db: db, clock: clock}
	if err := d.st.prepare(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	if d.ckpt, err = startCheckpointer(dsn, clock); err != nil {
		d.st.close()
		db.Close()
		return nil, err
	}
	return d, nil
}

// Close closes the database; committed data is already on disk.
func (d *DB) Close() error {
	ckErr := d.ckpt.Close()
	d.st.close()
	if err := d.db.Close(); err != nil {
		return fmt.Errorf("alarmdb: close: %w", err)
	}
	if ckErr != nil {
		return fmt.Errorf("alarmdb: close checkpoint connection: %w", ckErr)
	}
	return nil
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// tx runs fn in one immediate transaction, fsynced at commit.
func (d *DB) tx(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("alarmdb: %s: %w", op, err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("alarmdb: %s: commit: %w", op, err)
	}
	d.ckpt.Wrote()
	return nil
}

// lazyTx runs fn in one immediate transaction committed without an fsync
// (see StoreUnsynced and walckpt.LazyTx).
func (d *DB) lazyTx(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	if err := walckpt.LazyTx(ctx, d.db, fn); err != nil {
		return fmt.Errorf("alarmdb: %s: %w", op, err)
	}
	d.ckpt.Wrote()
	return nil
}
