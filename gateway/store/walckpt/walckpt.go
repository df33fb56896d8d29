// Package walckpt runs SQLite write-ahead-log checkpoints in the background,
// off the commit path. The box's store and the center's alarm database both
// use it.
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
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/mattn/go-sqlite3"
)

// Pragma is the writer connection's safety-net automatic checkpoint, at
// safetyPages pages of log.
func Pragma(safetyPages int) string {
	return fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", safetyPages)
}

// RegisterDriver registers a database/sql driver name that is the SQLite
// driver running pragmas on every new connection (Pragma among them, for a
// writer whose checkpoints a Checkpointer takes over).
func RegisterDriver(name string, pragmas ...string) {
	sql.Register(name, &sqlite3.SQLiteDriver{
		ConnectHook: func(c *sqlite3.SQLiteConn) error {
			for _, p := range pragmas {
				if _, err := c.Exec(p, nil); err != nil {
					return fmt.Errorf("%s: %w", p, err)
				}
			}
			return nil
		},
	})
}

// Checkpointer owns the checkpoint goroutine and its connection: Start
// starts them, Close stops them.
type Checkpointer struct {
	db     *sql.DB
	every  int64
	writes atomic.Int64
	passes atomic.Int64
	kick   chan struct{}
	stop   chan struct{}
	done   chan struct{}
}

// Start opens a connection to the database at dsn (a go-sqlite3 DSN) and
// checkpoints every every writes (see Wrote) and every period.
func Start(dsn string, every int, period time.Duration, clock clockwork.Clock) (*Checkpointer, error) {
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("open checkpoint connection: %w", err)
	}
	db.SetMaxOpenConns(1)
	c := &Checkpointer{db: db, every: int64(max(every, 1)), kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go c.run(clock.NewTicker(period))
	return c, nil
}

func (c *Checkpointer) run(t clockwork.Ticker) {
	defer close(c.done)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		case <-t.Chan():
		}
		// A failed or partial checkpoint is tried again at the next
		// wake-up; the writer's safety net bounds the log meanwhile.
		_, _ = c.db.ExecContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`)
		c.passes.Add(1)
	}
}

// Wrote counts a committed write transaction and, every every of them,
// wakes the checkpointer without waiting for it.
func (c *Checkpointer) Wrote() {
	if c.writes.Add(1)%c.every != 0 {
		return
	}
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// Passes is how many checkpoints have run, for tests.
func (c *Checkpointer) Passes() int64 { return c.passes.Load() }

// Close stops the goroutine and closes the connection.
func (c *Checkpointer) Close() error {
	close(c.stop)
	<-c.done
	return c.db.Close()
}
