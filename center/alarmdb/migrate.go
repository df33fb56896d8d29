package alarmdb

// migrations are the center database's schema versions, applied in order by
// sqlitedb.Migrate; a shipped migration is never edited, only followed by a
// new one.
var migrations = []string{
	// 1: events, alarms, homes, gaps, outages, maintenance, operators, audit.
	`CREATE TABLE events (
		id          TEXT PRIMARY KEY,
		site        TEXT NOT NULL,
		seq         INTEGER NOT NULL,
		time_ms     INTEGER NOT NULL,
		received_ms INTEGER NOT NULL,
		kind        TEXT NOT NULL,
		severity    TEXT NOT NULL,
		sensor      TEXT NOT NULL DEFAULT '',
		alarm_id    TEXT NOT NULL DEFAULT '',
		test        INTEGER NOT NULL DEFAULT 0,
		body        TEXT NOT NULL
	 );
	 CREATE INDEX events_site_time ON events(site, time_ms);
	 CREATE INDEX events_alarm ON events(alarm_id);
	 CREATE TABLE alarms (
		id           TEXT PRIMARY KEY,
		site         TEXT NOT NULL,
		severity     TEXT NOT NULL,
		rank         INTEGER NOT NULL,
		kind         TEXT NOT NULL DEFAULT '',
		sensor       TEXT NOT NULL DEFAULT '',
		sensor_kind  TEXT NOT NULL DEFAULT '',
		room         TEXT NOT NULL DEFAULT '',
		rule         TEXT NOT NULL DEFAULT '',
		message      TEXT NOT NULL DEFAULT '',
		test         INTEGER NOT NULL DEFAULT 0,
		raised_ms    INTEGER NOT NULL,
		received_ms  INTEGER NOT NULL,
		state        TEXT NOT NULL DEFAULT 'new',
		box_state    TEXT NOT NULL DEFAULT 'active',
		box_state_ms INTEGER NOT NULL DEFAULT 0,
		escalated    INTEGER NOT NULL DEFAULT 0,
		acked_by     TEXT NOT NULL DEFAULT '',
		acked_ms     INTEGER NOT NULL DEFAULT 0,
		ack_sent_ms  INTEGER NOT NULL DEFAULT 0,
		resolved_by  TEXT NOT NULL DEFAULT '',
		resolved_ms  INTEGER NOT NULL DEFAULT 0,
		outcome      TEXT NOT NULL DEFAULT '',
		note         TEXT NOT NULL DEFAULT ''
	 );
	 CREATE INDEX alarms_open ON alarms(state, rank, raised_ms) WHERE state <> 'resolved';
	 CREATE INDEX alarms_site ON alarms(site, raised_ms);
	 CREATE TABLE homes (
		site            TEXT PRIMARY KEY,
		online          INTEGER NOT NULL DEFAULT 0,
		status          TEXT NOT NULL DEFAULT '',
		last_seen_ms    INTEGER NOT NULL DEFAULT 0,
		silent_since_ms INTEGER NOT NULL DEFAULT 0,
		heartbeat_ms    INTEGER NOT NULL DEFAULT 0,
		max_seq         INTEGER NOT NULL DEFAULT 0,
		test_mode       INTEGER NOT NULL DEFAULT 0
	 );
	 CREATE TABLE gaps (
		site         TEXT NOT NULL,
		from_seq     INTEGER NOT NULL,
		to_seq       INTEGER NOT NULL,
		found_ms     INTEGER NOT NULL,
		requested_ms INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (site, from_seq)
	 );
	 CREATE TABLE outages (
		id         INTEGER PRIMARY KEY,
		site       TEXT NOT NULL,
		started_ms INTEGER NOT NULL,
		ended_ms   INTEGER NOT NULL DEFAULT 0,
		reason     TEXT NOT NULL DEFAULT ''
	 );
	 CREATE INDEX outages_open ON outages(site) WHERE ended_ms = 0;
	 CREATE TABLE maintenance (
		site       TEXT NOT NULL,
		sensor     TEXT NOT NULL,
		kind       TEXT NOT NULL,
		message    TEXT NOT NULL DEFAULT '',
		since_ms   INTEGER NOT NULL,
		cleared_ms INTEGER NOT NULL DEFAULT 0,
		event_id   TEXT NOT NULL,
		PRIMARY KEY (site, sensor, kind, since_ms)
	 );
	 CREATE TABLE operators (
		name       TEXT PRIMARY KEY,
		hash       BLOB NOT NULL,
		created_ms INTEGER NOT NULL
	 );
	 CREATE TABLE sessions (
		token      TEXT PRIMARY KEY,
		operator   TEXT NOT NULL REFERENCES operators(name),
		expires_ms INTEGER NOT NULL
	 );
	 CREATE TABLE audit (
		id       INTEGER PRIMARY KEY,
		time_ms  INTEGER NOT NULL,
		operator TEXT NOT NULL,
		action   TEXT NOT NULL,
		target   TEXT NOT NULL DEFAULT '',
		detail   TEXT NOT NULL DEFAULT ''
	 );`,
	// 2: counters of bookkeeping writes: "syncs", which DB.Sync advances
	// (one small fsynced write that makes every batch StoreUnsynced
	// committed before it durable), and "wal_restarts", the checkpointer's
	// restart of the log.
	`CREATE TABLE counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
	 INSERT INTO counters(name, n) VALUES ('syncs', 0), ('wal_restarts', 0);`,
	// 3: what the box answered to the acknowledgement: each attempt has its
	// own command id ack-<alarm id>-<ack_attempt>; ack_told_ms is the box's
	// success reply, ack_refused the reason of the last attempt's refusal.
	`ALTER TABLE alarms ADD COLUMN ack_attempt INTEGER NOT NULL DEFAULT 0;
	 ALTER TABLE alarms ADD COLUMN ack_told_ms INTEGER NOT NULL DEFAULT 0;
	 ALTER TABLE alarms ADD COLUMN ack_refused TEXT NOT NULL DEFAULT '';`,
}
