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
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/safehub-iot/safehub/internal/sqlitedb"
	"github.com/safehub-iot/safehub/internal/sqlitedb/walckpt"
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
	// seqWindow: see SetSeqWindow.
	seqWindow int64
}

// Open opens (creating if needed) the database at path and brings its
// schema up to date. A nil clock means the real clock.
func Open(ctx context.Context, path string, clock clockwork.Clock) (*DB, error) {
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	db, dsn, err := sqlitedb.Open(path, sqlitedb.Options{Driver: centerDriver})
	if err != nil {
		return nil, fmt.Errorf("alarmdb: %w", err)
	}
	if err := sqlitedb.Migrate(ctx, db, migrations); err != nil {
		db.Close()
		return nil, fmt.Errorf("alarmdb: %w", err)
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
	defer func() { _ = tx.Rollback() }() // a no-op after Commit
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
