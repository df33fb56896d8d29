package store

// migrations are the box database's schema versions, applied in order by
// sqlitedb.Migrate; a migration is never edited after it has shipped, only
// followed by a new one.
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
	// 2: the ids of downlink commands seen inside their time window, so a
	// replayed id is never acted on twice however many commands come
	// between, across restarts (cloudlink). reply is the final answer,
	// NULL when the attempt was refused for a passing reason.
	`CREATE TABLE cmd_seen (
		id         TEXT PRIMARY KEY,
		expires_ms INTEGER NOT NULL,
		reply      BLOB
	 ) WITHOUT ROWID;
	 CREATE INDEX cmd_seen_expires ON cmd_seen(expires_ms);`,
}
