// The prepared statements of the ingest hot path.

package alarmdb

import (
	"context"
	"database/sql"
	"fmt"
)

// statements are the DB's prepared statements for the hot path; Store binds
// them to its transaction.
type statements struct {
	insEvent, insAlarm, rearmAck  *sql.Stmt
	readHome, addHome, writeHome  *sql.Stmt
	endOutage, boxState, escalate *sql.Stmt
	findGap, lateAlarm            *sql.Stmt
}

func (s *statements) prepare(ctx context.Context, db *sql.DB) error {
	for _, p := range []struct {
		st  **sql.Stmt
		sql string
	}{
		{&s.insEvent, `INSERT OR IGNORE INTO events(id, site, seq, time_ms, received_ms, kind, severity, sensor, alarm_id, test, body) VALUES (?,?,?,?,?,?,?,?,?,?,?)`},
		{&s.insAlarm, `INSERT OR IGNORE INTO alarms(id, site, severity, rank, sensor, sensor_kind, room, rule, message, test, raised_ms, received_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`},
		{&s.rearmAck, `UPDATE alarms SET ack_sent_ms = 0 WHERE id = ? AND acked_ms <> 0 AND ack_sent_ms <> 0`},
		{&s.readHome, `SELECT online, max_seq FROM homes WHERE site = ?`},
		{&s.addHome, `INSERT INTO homes(site, last_seen_ms) VALUES (?, ?)`},
		{&s.writeHome, `UPDATE homes SET max_seq = MAX(max_seq, ?1), status = CASE WHEN ?2 <> '' THEN ?2 ELSE status END,
			online = CASE WHEN ?3 THEN 1 ELSE online END, silent_since_ms = CASE WHEN ?3 THEN 0 ELSE silent_since_ms END,
			last_seen_ms = MAX(last_seen_ms, ?4), heartbeat_ms = CASE WHEN ?5 > 0 THEN ?5 ELSE heartbeat_ms END WHERE site = ?6`},
		{&s.endOutage, `UPDATE outages SET ended_ms = ? WHERE site = ? AND ended_ms = 0`},
		{&s.boxState, `UPDATE alarms SET box_state = ?, box_state_ms = ? WHERE id = ?`},
		{&s.escalate, `UPDATE alarms SET escalated = 1 WHERE id = ?`},
		{&s.findGap, `SELECT from_seq, to_seq, found_ms, requested_ms FROM gaps WHERE site = ? AND from_seq <= ? AND to_seq >= ?`},
		{&s.lateAlarm, `SELECT kind, time_ms FROM events WHERE alarm_id = ? AND kind IN ('alarm_cleared','alarm_cancelled','alarm_escalated')`},
	} {
		st, err := db.PrepareContext(ctx, p.sql)
		if err != nil {
			s.close()
			return fmt.Errorf("alarmdb: prepare %q: %w", p.sql, err)
		}
		*p.st = st
	}
	return nil
}

func (s *statements) close() {
	for _, st := range []*sql.Stmt{s.insEvent, s.insAlarm, s.rearmAck, s.readHome, s.addHome, s.writeHome,
		s.endOutage, s.boxState, s.escalate, s.findGap, s.lateAlarm} {
		if st != nil {
			st.Close()
		}
	}
}
