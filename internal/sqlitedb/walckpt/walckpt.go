// Package walckpt runs SQLite write-ahead-log checkpoints in the background,
// off the commit path, and runs transactions committed without an fsync of
// their own (LazyTx). The box's store and the center's alarm database both
// use it, beside the writer connection package sqlitedb opens.
//
// A checkpoint copies committed pages from the log into the database file
// and fsyncs it. Left to SQLite it runs inside whichever commit pushes the
// log past 1,000 pages, so now and then one commit (an alarm's) waits for
// hundreds of page writes and two extra fsyncs. A Checkpointer runs passive
// checkpoints, which never block a commit, on a connection of its own. A
// passive checkpoint cannot finish while commits keep arriving, and the log
// restarts from its start only after one has, so the writer keeps an
// automatic checkpoint as a safety net (Pragma): under a sustained stream it
// still runs now and then, and finds most pages already copied.
package walckpt

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jonboulle/clockwork"
	_ "github.com/mattn/go-sqlite3" // the "sqlite3" driver of the checkpoint connection
)

// Pragma is the writer connection's safety-net automatic checkpoint, at
// safetyPages pages of log: a pragma for sqlitedb.RegisterDriver.
func Pragma(safetyPages int) string {
	return fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", safetyPages)
}

// Config says when a Checkpointer runs and how it restarts the log.
type Config struct {
	// Every: a checkpoint every Every write transactions (see Wrote).
	Every int
	// Period: a checkpoint every Period if anything was written since
	// the last one.
	Period time.Duration
	// Restart, if set, is a small write statement the Checkpointer runs
	// right after a checkpoint that copied the whole log. The first write
	// after such a checkpoint restarts the log from its start, and with
	// synchronous=FULL or NORMAL SQLite fsyncs the new log header on its
	// own before the transaction's frames: two fsyncs for that one commit.
	// Left to the writers, that commit is whichever comes next after a
	// quiet spell (in a home, the alarm); Restart pays for it off the
	// commit path. The statement must change a row (an unchanged page
	// writes no frame) and nothing the application reads.
	Restart string
	Clock   clockwork.Clock
}

// Checkpointer owns the checkpoint goroutine and its connection: Start
// starts them, Close stops them.
type Checkpointer struct {
	db       *sql.DB
	cfg      Config
	writes   atomic.Int64
	passes   atomic.Int64
	restarts atomic.Int64
	covered  atomic.Int64 // writes counted when the last finished pass began
	kick     chan struct{}
	stop     chan struct{}
	done     chan struct{}
}

// Start opens a connection to the database at dsn (a go-sqlite3 DSN) and
// checkpoints as cfg says.
func Start(dsn string, cfg Config) (*Checkpointer, error) {
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("open checkpoint connection: %w", err)
	}
	db.SetMaxOpenConns(1)
	cfg.Every = max(cfg.Every, 1)
	if cfg.Clock == nil {
		cfg.Clock = clockwork.NewRealClock()
	}
	c := &Checkpointer{db: db, cfg: cfg, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go c.run(cfg.Clock.NewTicker(cfg.Period))
	return c, nil
}

func (c *Checkpointer) run(t clockwork.Ticker) {
	defer close(c.done)
	defer t.Stop()
	var done int64 // writes counted at the last complete pass
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		case <-t.Chan():
		}
		w := c.writes.Load()
		if w == done {
			continue // nothing written since the log was last emptied
		}
		// A failed or partial checkpoint is tried again at the next
		// wake-up; the writer's safety net bounds the log meanwhile.
		if c.pass() {
			done = w
		}
		c.covered.Store(w)
	}
}

// pass runs one passive checkpoint and, if it copied the whole log,
// restarts the log with cfg.Restart. It reports whether the whole log was
// copied.
func (c *Checkpointer) pass() bool {
	ctx := context.Background()
	var busy, logged, copied int
	err := c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logged, &copied)
	c.passes.Add(1)
	if err != nil || busy != 0 || copied != logged {
		return false
	}
	if c.cfg.Restart != "" && logged > 0 {
		if _, err := c.db.ExecContext(ctx, c.cfg.Restart); err == nil {
			c.restarts.Add(1)
		}
	}
	return true
}

// Wrote counts a committed write transaction and, every every of them,
// wakes the checkpointer without waiting for it.
func (c *Checkpointer) Wrote() {
	if c.writes.Add(1)%int64(c.cfg.Every) != 0 {
		return
	}
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// Passes is how many checkpoints have run, for tests.
func (c *Checkpointer) Passes() int64 { return c.passes.Load() }

// CaughtUp reports that a pass has run since the last write counted, for
// tests.
func (c *Checkpointer) CaughtUp() bool { return c.covered.Load() == c.writes.Load() }

// Restarts is how many times Restart has run, for tests.
func (c *Checkpointer) Restarts() int64 { return c.restarts.Load() }

// Close stops the goroutine and closes the connection.
func (c *Checkpointer) Close() error {
	close(c.stop)
	<-c.done
	return c.db.Close()
}

// LazyTx runs fn in a transaction on db committed without an fsync of its
// own (synchronous=NORMAL for that one transaction), for a database whose
// connections otherwise run synchronous=FULL. In WAL mode the next fsynced
// commit makes it durable with everything before it. The connection goes
// back to synchronous=FULL before it returns to db's pool; if that fails it
// is discarded, never reused half-synced. fn's error is returned as is.
func LazyTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) (err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer func() {
		// A fresh context: the reset must run even if ctx was cancelled.
		if _, rerr := conn.ExecContext(context.Background(), `PRAGMA synchronous = FULL`); rerr != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			err = errors.Join(err, fmt.Errorf("restore synchronous=FULL: %w", rerr))
		}
		conn.Close()
	}()
	if _, err := conn.ExecContext(ctx, `PRAGMA synchronous = NORMAL`); err != nil {
		return err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}
