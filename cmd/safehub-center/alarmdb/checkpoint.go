package alarmdb

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/mattn/go-sqlite3"
)

// WAL checkpoints copy committed pages from the write-ahead log into the
// database file and fsync it. Left to SQLite, they run inside whichever
// commit pushes the log past 1,000 pages: about one ingest batch in a
// hundred, and its alarms waited for the copy and a second fsync (the
// tail of the center's receive→stored latency). As on the box
// (gateway/store), a connection of its own runs passive checkpoints in
// the background; they never block a commit. Under a sustained stream of
// commits a passive checkpoint may not finish, so the writer's own
// automatic checkpoint remains as a safety net, past ckptSafetyPages.
const (
	// ckptEvery is how many write transactions wake the checkpointer.
	ckptEvery = 64
	// ckptPeriod checkpoints whatever is left after a quiet spell.
	ckptPeriod = 5 * time.Second
	// ckptSafetyPages is the writer's own automatic checkpoint (16 MB of
	// log), for a background checkpointer that cannot finish.
	ckptSafetyPages = 4000
)

// cacheKiB is the page cache of the center's connection. SQLite's default
// (2 MB) holds a few hundred homes: with thousands, every batch read their
// rows and index pages back from the OS (a third of the time per alarm of
// BenchmarkStoreDistrict).
const cacheKiB = 64 << 10

const centerDriver = "sqlite3-safehub-center"

func init() {
	sql.Register(centerDriver, &sqlite3.SQLiteDriver{
		ConnectHook: func(c *sqlite3.SQLiteConn) error {
			_, err := c.Exec(fmt.Sprintf("PRAGMA wal_autocheckpoint = %d; PRAGMA cache_size = -%d", ckptSafetyPages, cacheKiB), nil)
			return err
		},
	})
}

// checkpointer owns the background checkpoint goroutine and its connection.
type checkpointer struct {
	db     *sql.DB
	clock  clockwork.Clock
	writes atomic.Int64
	passes atomic.Int64 // checkpoints run, for tests
	kick   chan struct{}
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func startCheckpointer(dsn string, clock clockwork.Clock) (*checkpointer, error) {
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("alarmdb: open checkpoint connection: %w", err)
	}
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithCancel(context.Background())
	c := &checkpointer{db: db, clock: clock, kick: make(chan struct{}, 1), cancel: cancel}
	c.wg.Add(1)
	go func() { defer c.wg.Done(); c.run(ctx) }()
	return c, nil
}

func (c *checkpointer) run(ctx context.Context) {
	t := c.clock.NewTicker(ckptPeriod)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.kick:
		case <-t.Chan():
		}
		// A failed or partial checkpoint is tried again at the next
		// wake-up; the writer's safety-net checkpoint bounds the log
		// meanwhile.
		_, _ = c.db.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
		c.passes.Add(1)
	}
}

// wrote counts a write transaction and wakes the checkpointer every
// ckptEvery of them, without waiting.
func (c *checkpointer) wrote() {
	if c.writes.Add(1)%ckptEvery != 0 {
		return
	}
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *checkpointer) close() error {
	c.cancel()
	c.wg.Wait()
	return c.db.Close()
}
