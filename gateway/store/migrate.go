package store

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are applied in order, each once; a migration is never edited
// after it has shipped, only followed by a new one.
var migrations = []string{
	// 1: event log and outbox, sequence counter, saved state.
	`CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
	 INSERT INTO meta(key, value) VALUES ('seq', 0);
	 CREATE TABLE events (
		seq       INTEGER PRIMARY KEY,
		id        TEXT NOT NULL UNIQUE,
		time_ms   INTEGER NOT NULL,
		kind      TEXT NOT NULL,
		severity  TEXT NOT NULL,
		priority  INTEGER NOT NULL,
		sensor    TEXT NOT NULL DEFAULT '',
		alarm_id  TEXT NOT NULL DEFAULT '',
		test      INTEGER NOT NULL DEFAULT 0,
		body      TEXT NOT NULL,
		published_ms INTEGER NOT NULL DEFAULT 0,
		acked_ms     INTEGER NOT NULL DEFAULT 0
	 );
	 CREATE INDEX events_outbox ON events(priority, seq) WHERE published_ms = 0;
	 CREATE INDEX events_time ON events(time_ms);
	 CREATE INDEX events_alarm ON events(alarm_id) WHERE alarm_id <> '';
	 CREATE TABLE state (key TEXT PRIMARY KEY, value BLOB NOT NULL, updated_ms INTEGER NOT NULL);`,
}

func migrate(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)`); err != nil {
		return fmt.Errorf("store: migrations table: %w", err)
	}
	var have int
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
		return fmt.Errorf("store: read schema version: %w", err)
	}
	if have > len(migrations) {
		return fmt.Errorf("store: database schema version %d is newer than this program knows (%d)", have, len(migrations))
	}
	for v := have + 1; v <= len(migrations); v++ {
		if err := apply(ctx, db, v, migrations[v-1]); err != nil {
			return err
		}
	}
	return nil
}

func apply(ctx context.Context, db *sql.DB, version int, script string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: migration %d: %w", version, err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	if _, err := tx.ExecContext(ctx, script); err != nil {
		return fmt.Errorf("store: migration %d: %w", version, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(version) VALUES (?)`, version); err != nil {
		return fmt.Errorf("store: migration %d: %w", version, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: migration %d: %w", version, err)
	}
	return nil
}
