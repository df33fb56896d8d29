package sqlitedb

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var testMigrations = []string{
	`CREATE TABLE a (id INTEGER PRIMARY KEY);`,
	`CREATE TABLE b (id INTEGER PRIMARY KEY, a INTEGER REFERENCES a(id));`,
}

func openTest(tb testing.TB, path string, opts Options) *sql.DB {
	tb.Helper()
	db, _, err := Open(path, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func versions(tb testing.TB, db *sql.DB) []int {
	tb.Helper()
	rows, err := db.Query(`SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var vs []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			tb.Fatal(err)
		}
		vs = append(vs, v)
	}
	return vs
}

func pragma(tb testing.TB, db *sql.DB, name string) string {
	tb.Helper()
	var v string
	if err := db.QueryRow(`PRAGMA ` + name).Scan(&v); err != nil {
		tb.Fatal(err)
	}
	return v
}

// Open makes the directory, and every connection runs in WAL with
// synchronous=FULL, one at a time, foreign keys as asked.
func TestOpen(t *testing.T) {
	for _, tc := range []struct {
		name        string
		foreignKeys bool
		want        string
	}{
		{name: "foreign keys off", want: "0"},
		{name: "foreign keys on", foreignKeys: true, want: "1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sub", "dir", "x.db")
			db := openTest(t, path, Options{ForeignKeys: tc.foreignKeys})
			if err := db.Ping(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(path); err != nil {
				t.Fatalf("database file: %v", err)
			}
			for name, want := range map[string]string{"journal_mode": "wal", "synchronous": "2", "busy_timeout": "5000", "foreign_keys": tc.want} {
				if got := pragma(t, db, name); got != want {
					t.Errorf("PRAGMA %s = %q, want %q", name, got, want)
				}
			}
			if got := db.Stats().MaxOpenConnections; got != 1 {
				t.Errorf("MaxOpenConnections = %d, want 1", got)
			}
		})
	}
}

func TestOpenDirectoryError(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := Open(filepath.Join(file, "x.db"), Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "create directory: ") {
		t.Fatalf("Open under a file: err = %v, want a create directory error", err)
	}
}

// A driver registered with RegisterDriver runs its pragmas on each new
// connection.
func init() { RegisterDriver("sqlite3-sqlitedb-test", "PRAGMA cache_size = -1234") }

func TestRegisterDriver(t *testing.T) {
	db := openTest(t, filepath.Join(t.TempDir(), "x.db"), Options{Driver: "sqlite3-sqlitedb-test"})
	if got := pragma(t, db, "cache_size"); got != "-1234" {
		t.Fatalf("cache_size = %s, want -1234", got)
	}
}

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		setup   string // run before Migrate: a database an older or newer program left
		want    []int
		wantErr string
	}{
		{name: "new database", want: []int{1, 2}},
		{
			name:  "older program's database",
			setup: `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY); INSERT INTO schema_migrations VALUES (1);` + testMigrations[0],
			want:  []int{1, 2},
		},
		{
			name:  "up to date",
			setup: `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY); INSERT INTO schema_migrations VALUES (1), (2);` + testMigrations[0] + testMigrations[1],
			want:  []int{1, 2},
		},
		{
			name:    "newer program's database",
			setup:   `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY); INSERT INTO schema_migrations VALUES (1), (2), (3);`,
			want:    []int{1, 2, 3},
			wantErr: "database schema version 3 is newer than this program knows (2)",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.db")
			db := openTest(t, path, Options{})
			if tc.setup != "" {
				if _, err := db.Exec(tc.setup); err != nil {
					t.Fatal(err)
				}
			}
			err := Migrate(ctx, db, testMigrations)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Migrate: %v", err)
			case tc.wantErr != "" && (err == nil || err.Error() != tc.wantErr):
				t.Fatalf("Migrate: err = %v, want %q", err, tc.wantErr)
			}
			if got := versions(t, db); !slices.Equal(got, tc.want) {
				t.Fatalf("versions = %v, want %v", got, tc.want)
			}
			if tc.wantErr != "" {
				return
			}
			// Tables of both versions are there, and a second run is a no-op.
			if _, err := db.Exec(`INSERT INTO a(id) VALUES (1); INSERT INTO b(id, a) VALUES (1, 1)`); err != nil {
				t.Fatal(err)
			}
			if err := Migrate(ctx, db, testMigrations); err != nil {
				t.Fatalf("second Migrate: %v", err)
			}
		})
	}
}

// A migration that fails leaves nothing of itself: no table, no version,
// and the error names it.
func TestMigrateFailureRollsBack(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, filepath.Join(t.TempDir(), "x.db"), Options{})
	bad := []string{testMigrations[0], `CREATE TABLE c (id INTEGER); CREATE TABLE nonsense (`}
	err := Migrate(ctx, db, bad)
	if err == nil || !strings.HasPrefix(err.Error(), "migration 2: ") {
		t.Fatalf("Migrate: err = %v, want a migration 2 error", err)
	}
	if got := versions(t, db); !slices.Equal(got, []int{1}) {
		t.Fatalf("versions = %v, want [1]", got)
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'c'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("table c of the failed migration exists")
	}
}
