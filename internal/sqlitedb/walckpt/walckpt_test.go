package walckpt_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/internal/sqlitedb"
	"github.com/safehub-iot/safehub/internal/sqlitedb/walckpt"
)

func openTest(tb testing.TB) (*sql.DB, string) {
	tb.Helper()
	db, dsn, err := sqlitedb.Open(filepath.Join(tb.TempDir(), "x.db"), sqlitedb.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE t (n INTEGER); CREATE TABLE restarts (n INTEGER); INSERT INTO restarts VALUES (0)`); err != nil {
		tb.Fatal(err)
	}
	return db, dsn
}

func write(tb testing.TB, db *sql.DB, c *walckpt.Checkpointer) {
	tb.Helper()
	if _, err := db.Exec(`INSERT INTO t VALUES (1)`); err != nil {
		tb.Fatal(err)
	}
	c.Wrote()
}

// Every Every-th write wakes the checkpointer; a pass that copies the
// whole log runs Restart.
func TestCheckpointerWakesEveryNWrites(t *testing.T) {
	db, dsn := openTest(t)
	c, err := walckpt.Start(dsn, walckpt.Config{Every: 3, Period: time.Hour, Restart: `UPDATE restarts SET n = n + 1`, Clock: clockwork.NewFakeClock()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	write(t, db, c)
	write(t, db, c)
	time.Sleep(20 * time.Millisecond)
	if got := c.Passes(); got != 0 {
		t.Fatalf("after 2 writes of 3: %d passes, want 0", got)
	}
	write(t, db, c)
	require.Eventually(t, func() bool { return c.Passes() == 1 && c.CaughtUp() }, 10*time.Second, time.Millisecond)
	if got := c.Restarts(); got != 1 {
		t.Fatalf("restarts = %d, want 1", got)
	}
	var n int
	if err := db.QueryRow(`SELECT n FROM restarts`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("restart statement ran %d times, want 1", n)
	}
}

// A quiet spell's tick checkpoints what is left, and a tick with nothing
// written since runs no pass.
func TestCheckpointerPeriod(t *testing.T) {
	db, dsn := openTest(t)
	clock := clockwork.NewFakeClock()
	c, err := walckpt.Start(dsn, walckpt.Config{Every: 100, Period: time.Second, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	write(t, db, c)
	require.NoError(t, clock.BlockUntilContext(context.Background(), 1))
	clock.Advance(time.Second)
	require.Eventually(t, func() bool { return c.Passes() == 1 && c.CaughtUp() }, 10*time.Second, time.Millisecond)
	clock.Advance(time.Second)
	time.Sleep(20 * time.Millisecond)
	if got := c.Passes(); got != 1 {
		t.Fatalf("tick with nothing written: %d passes, want 1", got)
	}
}

// LazyTx commits fn's writes, returns fn's error as is (and rolls back),
// and always gives the connection back at synchronous=FULL.
func TestLazyTx(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	if err := walckpt.LazyTx(ctx, db, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO t VALUES (7)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if err := walckpt.LazyTx(ctx, db, func(tx *sql.Tx) error {
		if _, err := tx.Exec(`INSERT INTO t VALUES (8)`); err != nil {
			return err
		}
		return boom
	}); err != boom {
		t.Fatalf("LazyTx: err = %v, want fn's error as is", err)
	}
	var sync, rows int
	if err := db.QueryRow(`PRAGMA synchronous`).Scan(&sync); err != nil {
		t.Fatal(err)
	}
	if sync != 2 {
		t.Fatalf("synchronous after LazyTx = %d, want 2 (FULL)", sync)
	}
	if err := db.QueryRow(`SELECT COUNT(*) FROM t`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 1 {
		t.Fatalf("rows = %d, want 1 (the failed transaction rolled back)", rows)
	}
}
