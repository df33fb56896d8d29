package alarmdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Message is one message received from a home, as Store records it: an
// event (with the sighting its arrival is), a heartbeat's or reply's
// sighting, or a retained status. Any of the three may be set.
type Message struct {
	Event    *Incoming
	Sighting *Sighting
	Status   *Status
}

// Status is a home's retained status message: "online" when it connects,
// or what its last will says ("offline") when it is gone.
type Status struct {
	Site  string
	State string
	// At is when the center received it (center clock).
	At time.Time
	// HeartbeatLimit, if not zero, replaces the home's limit.
	HeartbeatLimit time.Duration
}

// Store records a batch of received messages in one transaction, so one
// commit (one fsync) serves every sighting, status and event in it. Within
// the batch, messages take effect in order: a home heard from after its
// last will is online again, one whose last will came last is offline.
//
// Events are stored exactly once, as Ingest describes; sightings are
// recorded as Seen, statuses as SetStatus describe. Nothing is stored if
// an error is returned.
func (d *DB) Store(ctx context.Context, msgs []Message) (IngestResult, error) {
	return d.store(ctx, msgs, d.tx)
}

// StoreUnsynced is Store committed without its own fsync: when it returns
// the batch is committed and every reader (the console) sees it, but a
// power cut before the next Sync, or before any other write of this DB
// (all of which are fsynced), may take it back. The center shows an alarm
// at once and acknowledges its message to the broker only after Sync, so
// the operator sees the alarm one fsync sooner and nothing acknowledged
// is ever lost: an unacknowledged message is delivered again, and a box
// keeps resending an alarm until an operator's acknowledgement (an
// fsynced write, which makes the alarm durable with it) reaches the box.
func (d *DB) StoreUnsynced(ctx context.Context, msgs []Message) (IngestResult, error) {
	return d.store(ctx, msgs, d.lazyTx)
}

// Sync makes every batch committed before it durable: one small fsynced
// write. In WAL mode an fsync of the log covers every frame before it.
func (d *DB) Sync(ctx context.Context) error {
	return d.tx(ctx, "sync", func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE counters SET n = n + 1 WHERE name = 'syncs'`)
		if err != nil {
			return fmt.Errorf("alarmdb: sync: %w", err)
		}
		// No row changed would be no write, hence no fsync: never
		// report that as durable.
		if n, err := r.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("alarmdb: sync: the counters table has no 'syncs' row (changed %d rows, %v)", n, err)
		}
		return nil
	})
}

func (d *DB) store(ctx context.Context, msgs []Message, txFn func(context.Context, string, func(*sql.Tx) error) error) (IngestResult, error) {
	if len(msgs) == 0 {
		return IngestResult{}, nil
	}
	b := &batch{ctx: ctx, d: d, homes: map[string]*homeRow{}}
	err := txFn(ctx, "store", func(tx *sql.Tx) error {
		b.tx = tx
		defer b.closeStmts()
		for i := range msgs {
			if err := b.apply(i, &msgs[i]); err != nil {
				return err
			}
		}
		return b.finish()
	})
	if err != nil {
		return IngestResult{}, err
	}
	return b.res, nil
}

// batch is one Store transaction: it reads each home's row once and writes
// it back once at the end (or before a status needs it current).
type batch struct {
	ctx   context.Context
	d     *DB
	tx    *sql.Tx
	stmts map[*sql.Stmt]*sql.Stmt // the DB's prepared statements, bound to tx
	homes map[string]*homeRow
	order []string // sites in the order first touched, for a stable write order
	gaps  map[string]bool
	res   IngestResult
}

// homeRow is a home as this batch sees it, with its pending write.
type homeRow struct {
	online bool
	maxSeq int64
	dirty  bool
	// sighted: the home was heard from, last at lastSeen (the latest of
	// the batch's sightings); heartbeat is the last limit announced (0:
	// none).
	sighted   bool
	lastSeen  int64
	heartbeat int64
	status    string // "" unchanged
}

// stmt binds one of the DB's prepared statements to the transaction.
func (b *batch) stmt(s *sql.Stmt) *sql.Stmt {
	if t, ok := b.stmts[s]; ok {
		return t
	}
	if b.stmts == nil {
		b.stmts = map[*sql.Stmt]*sql.Stmt{}
	}
	t := b.tx.StmtContext(b.ctx, s)
	b.stmts[s] = t
	return t
}

func (b *batch) closeStmts() {
	for _, t := range b.stmts {
		t.Close()
	}
}

func (b *batch) apply(i int, m *Message) error {
	if st := m.Status; st != nil {
		if err := b.status(st); err != nil {
			return err
		}
	}
	if s := m.Sighting; s != nil {
		if err := b.sighting(s); err != nil {
			return err
		}
	}
	if in := m.Event; in != nil {
		if in.Site == "" || in.Event.ID == "" {
			return fmt.Errorf("alarmdb: ingest event %d: site and id are required", i)
		}
		if err := b.event(in); err != nil {
			return err
		}
	}
	return nil
}

// home returns site's row, reading it (or adding the home, last seen at
// lastSeen) on first use in the batch.
func (b *batch) home(site string, lastSeen int64) (*homeRow, error) {
	if h := b.homes[site]; h != nil {
		return h, nil
	}
	h := &homeRow{}
	err := b.stmt(b.d.st.readHome).QueryRowContext(b.ctx, site).Scan(&h.online, &h.maxSeq)
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := b.stmt(b.d.st.addHome).ExecContext(b.ctx, site, lastSeen); err != nil {
			return nil, fmt.Errorf("alarmdb: add home %s: %w", site, err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("alarmdb: read home %s: %w", site, err)
	}
	b.homes[site] = h
	b.order = append(b.order, site)
	return h, nil
}

// flush writes site's pending changes.
func (b *batch) flush(site string) error {
	h := b.homes[site]
	if h == nil || !h.dirty {
		return nil
	}
	if _, err := b.stmt(b.d.st.writeHome).ExecContext(b.ctx, h.maxSeq, h.status, h.sighted, h.lastSeen, h.heartbeat, site); err != nil {
		return fmt.Errorf("alarmdb: update home %s: %w", site, err)
	}
	h.dirty, h.sighted, h.lastSeen, h.heartbeat, h.status = false, false, 0, 0, ""
	return nil
}

// sighting marks a home heard from: online, and back if it had an open
// outage, which it closes.
func (b *batch) sighting(s *Sighting) error {
	h, err := b.home(s.Site, 0)
	if err != nil {
		return err
	}
	if !h.online {
		r, err := b.stmt(b.d.st.endOutage).ExecContext(b.ctx, ms(s.At), s.Site)
		if err != nil {
			return fmt.Errorf("alarmdb: end outage of %s: %w", s.Site, err)
		}
		if n, _ := r.RowsAffected(); n > 0 {
			b.res.Back = append(b.res.Back, s.Site)
		}
		h.online = true
		b.res.Changed = true
	}
	h.dirty, h.sighted = true, true
	h.lastSeen = max(h.lastSeen, ms(s.At))
	if s.HeartbeatLimit > 0 {
		h.heartbeat = s.HeartbeatLimit.Milliseconds()
	}
	return nil
}

// status records a retained status: "online" is a sighting; anything else
// marks the home offline since it was last heard from, opening an outage
// (one per outage, however often the status is repeated).
func (b *batch) status(st *Status) error {
	if st.State == "online" {
		if err := b.sighting(&Sighting{Site: st.Site, At: st.At, HeartbeatLimit: st.HeartbeatLimit}); err != nil {
			return err
		}
		h := b.homes[st.Site]
		h.status, h.dirty = st.State, true
		return nil
	}
	h, err := b.home(st.Site, ms(st.At))
	if err != nil {
		return err
	}
	h.status, h.dirty = st.State, true
	if err := b.flush(st.Site); err != nil { // goOffline reads last_seen_ms
		return err
	}
	was, err := goOffline(b.ctx, b.tx, st.Site, "box reported "+st.State)
	if err != nil {
		return err
	}
	h.online = false
	b.res.Changed = b.res.Changed || was
	return nil
}

// finish writes the homes back and reads the open gaps of the homes whose
// gaps changed.
func (b *batch) finish() error {
	for _, site := range b.order {
		if err := b.flush(site); err != nil {
			return err
		}
	}
	for _, site := range b.order {
		if !b.gaps[site] {
			continue
		}
		gs, err := queryGaps(b.ctx, b.tx, `WHERE site = ? AND requested_ms = 0`, site)
		if err != nil {
			return err
		}
		b.res.Gaps = append(b.res.Gaps, gs...)
	}
	return nil
}

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
