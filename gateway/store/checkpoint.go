package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/mattn/go-sqlite3"
)

// WAL checkpoints copy committed pages from the write-ahead log into the
// database file and fsync it. SQLite runs them inside whichever commit
// pushes the log past 1,000 pages, so one commit in some hundred paid for
// two extra fsyncs and hundreds of page writes: the tail of the box's alarm
// latency. A connection of its own now runs passive checkpoints, which
// never block a commit, in the background. A passive checkpoint cannot
// finish while commits keep arriving, and the log restarts from its start
// only after one has, so under a sustained stream of commits the writer's
// own automatic checkpoint (past ckptSafetyPages) still runs now and then;
// it then finds most pages already copied and has little left to do.

const (
	// ckptEvery is how many writes wake the background checkpointer.
	ckptEvery = 64
	// ckptPeriod checkpoints anything left after a quiet spell.
	ckptPeriod = 5 * time.Second
	// ckptSafetyPages is the writer's own automatic checkpoint (8 MB of
	// log), for a background checkpointer that cannot finish.
	ckptSafetyPages = 2000
)

const boxDriver = "sqlite3-safehub-box"

func init() {
	sql.Register(boxDriver, &sqlite3.SQLiteDriver{
		ConnectHook: func(c *sqlite3.SQLiteConn) error {
			_, err := c.Exec(fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", ckptSafetyPages), nil)
			return err
		},
	})
}

// checkpointer owns the background checkpoint goroutine and its connection.
type checkpointer struct {
	db     *sql.DB
	passes atomic.Int64 // checkpoints run, for tests
	kick   chan struct{}
	stop   chan struct{}
	done   chan struct{}
}

func startCheckpointer(dsn string) (*checkpointer, error) {
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open checkpoint connection: %w", err)
	}
	db.SetMaxOpenConns(1)
	c := &checkpointer{db: db, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c, nil
}

func (c *checkpointer) run() {
	defer close(c.done)
	t := time.NewTicker(ckptPeriod)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		case <-t.C:
		}
		// A failed or partial checkpoint is tried again at the next
		// wake-up; the writer's safety-net checkpoint bounds the log
		// meanwhile.
		_, _ = c.db.ExecContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`)
		c.passes.Add(1)
	}
}

// wake asks for a checkpoint without waiting.
func (c *checkpointer) wake() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *checkpointer) close() error {
	close(c.stop)
	<-c.done
	return c.db.Close()
}

// wrote counts a write transaction and wakes the checkpointer every
// ckptEvery of them.
func (s *Store) wrote() {
	if s.ckpt != nil && s.writes.Add(1)%ckptEvery == 0 {
		s.ckpt.wake()
	}
}
