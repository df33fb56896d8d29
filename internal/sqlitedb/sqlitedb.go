// Package sqlitedb opens the SQLite databases of the box (gateway/store) and
// the center (center/alarmdb) the one way both need: write-ahead log,
// synchronous=FULL, a busy timeout, immediate transactions and a single
// connection, with the schema brought up to date by numbered migrations
// (Migrate). Its subpackage walckpt runs the WAL checkpoints both databases
// leave off their commit path.
//
// Errors carry no package prefix: each store wraps them with its own
// ("store: ...", "alarmdb: ...").
package sqlitedb

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"github.com/mattn/go-sqlite3"
)

// Options says how Open opens a database.
type Options struct {
	// Driver is the database/sql driver name, one registered with
	// RegisterDriver; "" means the plain "sqlite3" driver.
	Driver string
	// ForeignKeys turns on foreign-key enforcement on every connection.
	ForeignKeys bool
}

// DSN is the go-sqlite3 data source name for the database file at path:
// WAL, synchronous=FULL, a 5 s busy timeout, BEGIN IMMEDIATE, and foreign
// keys enforced if asked. A second connection to the same database (a
// checkpointer's) opens the same DSN.
func DSN(path string, foreignKeys bool) string {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_busy_timeout", "5000")
	if foreignKeys {
		q.Set("_foreign_keys", "on")
	}
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// Open creates the directory of path if needed and opens the database
// there with one connection: SQLite has one writer anyway, and a single
// connection rules out SQLITE_BUSY between the caller's own goroutines. It
// returns the DSN it opened (see DSN). The schema is the caller's: see
// Migrate.
func Open(path string, opts Options) (*sql.DB, string, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, "", fmt.Errorf("create directory: %w", err)
		}
	}
	driver := opts.Driver
	if driver == "" {
		driver = "sqlite3"
	}
	dsn := DSN(path, opts.ForeignKeys)
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, "", fmt.Errorf("open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	return db, dsn, nil
}

// RegisterDriver registers a database/sql driver name that is the SQLite
// driver running pragmas on every new connection (walckpt.Pragma among
// them, for a writer whose checkpoints a walckpt.Checkpointer takes over).
// Call it once per name, from an init function.
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
