package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
)

// Append commits events in one transaction: each gets the next sequence
// number (written into it) and is on disk, fsynced, when Append returns nil.
// Events without an ID get one. On error nothing was committed and the
// events' Seq fields are left as they were.
func (s *Store) Append(ctx context.Context, evs ...*event.Event) error {
	return s.Commit(ctx, evs, nil)
}

// Commit is Append that also saves state blobs (key -> value) in the same
// transaction, so an alarm and the record that it is active are on disk
// together or not at all.
func (s *Store) Commit(ctx context.Context, evs []*event.Event, state map[string][]byte) error {
	if len(evs) == 0 && len(state) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit
	now := time.Now().UnixMilli()
	for k, v := range state {
		if _, err := tx.StmtContext(ctx, s.stmts.putState).ExecContext(ctx, k, v, now); err != nil {
			return fmt.Errorf("store: save state %q: %w", k, err)
		}
	}
	if len(evs) == 0 {
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("store: commit state: %w", err)
		}
		return nil
	}
	var seq int64
	if err := tx.StmtContext(ctx, s.stmts.readSeq).QueryRowContext(ctx).Scan(&seq); err != nil {
		return fmt.Errorf("store: read sequence: %w", err)
	}
	stmt := tx.StmtContext(ctx, s.stmts.insertEvent)
	seqs := make([]int64, len(evs))
	for i, ev := range evs {
		seq++
		seqs[i] = seq
		e := *ev
		e.Seq = seq
		if e.ID == "" {
			e.ID = event.NewID()
		}
		body, err := json.Marshal(&e)
		if err != nil {
			return fmt.Errorf("store: encode event: %w", err)
		}
		if _, err := stmt.ExecContext(ctx, e.Seq, e.ID, e.Time.UnixMilli(), string(e.Kind), string(e.Severity), e.Priority(), e.Sensor, e.AlarmID, e.Test, body); err != nil {
			return fmt.Errorf("store: insert event %s: %w", e.ID, err)
		}
		evs[i].ID = e.ID // ids are stable even if the commit fails
	}
	if _, err := tx.StmtContext(ctx, s.stmts.writeSeq).ExecContext(ctx, seq); err != nil {
		return fmt.Errorf("store: advance sequence: %w", err)
	}
	// The ceiling is on disk before any number past it is (seqfloor.go).
	s.reserve(seq)
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit events: %w", err)
	}
	s.advance(seq)
	s.wrote()
	for i, ev := range evs {
		ev.Seq = seqs[i]
	}
	return nil
}

// LastSeq is the highest sequence number ever assigned (0 for a new box).
func (s *Store) LastSeq(ctx context.Context) (int64, error) {
	var seq int64
	err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'seq'`).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("store: read sequence: %w", err)
	}
	return seq, nil
}

func scanEvents(rows *sql.Rows) ([]event.Event, error) {
	defer rows.Close()
	var out []event.Event
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, fmt.Errorf("store: scan event: %w", err)
		}
		var ev event.Event
		if err := json.Unmarshal([]byte(body), &ev); err != nil {
			return nil, fmt.Errorf("store: decode event: %w", err)
		}
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read events: %w", err)
	}
	return out, nil
}

// Pending returns up to limit events not yet confirmed by the broker: alarm
// events first, then the rest, each group in sequence order. This is the
// cloud link's outbox.
func (s *Store) Pending(ctx context.Context, limit int) ([]event.Event, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT body FROM events WHERE published_ms = 0 ORDER BY priority, seq LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: read outbox: %w", err)
	}
	return scanEvents(rows)
}

// MarkPublished records the broker's PUBACK for the events with these
// sequence numbers: they leave the outbox.
func (s *Store) MarkPublished(ctx context.Context, at time.Time, seqs ...int64) error {
	if len(seqs) == 0 {
		return nil
	}
	err := s.lazyTx(ctx, func(tx *sql.Tx) error {
		for _, seq := range seqs {
			if _, err := tx.ExecContext(ctx, `UPDATE events SET published_ms = ? WHERE seq = ? AND published_ms = 0`, at.UnixMilli(), seq); err != nil {
				return fmt.Errorf("%d: %w", seq, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: mark published: %w", err)
	}
	return nil
}

// MarkAcked records the center's acknowledgement of an alarm (by the id of
// its alarm_raised event). It reports false if no such alarm is known or it
// was acknowledged before.
func (s *Store) MarkAcked(ctx context.Context, alarmID string, at time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE events SET acked_ms = ? WHERE id = ? AND kind = ? AND acked_ms = 0`, at.UnixMilli(), alarmID, string(event.AlarmRaised))
	if err != nil {
		return false, fmt.Errorf("store: mark acked %s: %w", alarmID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: mark acked %s: %w", alarmID, err)
	}
	return n > 0, nil
}

// Unacked returns raised alarms the center has not acknowledged yet, oldest
// first.
func (s *Store) Unacked(ctx context.Context) ([]event.Event, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT body FROM events WHERE kind = ? AND acked_ms = 0 ORDER BY seq`, string(event.AlarmRaised))
	if err != nil {
		return nil, fmt.Errorf("store: read unacknowledged alarms: %w", err)
	}
	return scanEvents(rows)
}

// OutboxDepth is the number of events waiting for the broker and the time of
// the oldest (zero when empty).
func (s *Store) OutboxDepth(ctx context.Context) (n int, oldest time.Time, err error) {
	var ms sql.NullInt64
	err = s.db.QueryRowContext(ctx, `SELECT COUNT(*), MIN(time_ms) FROM events WHERE published_ms = 0`).Scan(&n, &ms)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("store: outbox depth: %w", err)
	}
	if ms.Valid {
		oldest = time.UnixMilli(ms.Int64)
	}
	return n, oldest, nil
}

// Events returns up to limit events with a sequence number above afterSeq,
// in order: the event log as the local API and the center's replay see it.
func (s *Store) Events(ctx context.Context, afterSeq int64, limit int) ([]event.Event, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT body FROM events WHERE seq > ? ORDER BY seq LIMIT ?`, afterSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("store: read events: %w", err)
	}
	return scanEvents(rows)
}

// EventsSince returns up to limit events stamped at or after t, in order.
func (s *Store) EventsSince(ctx context.Context, t time.Time, limit int) ([]event.Event, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT body FROM events WHERE time_ms >= ? ORDER BY seq LIMIT ?`, t.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("store: read events: %w", err)
	}
	return scanEvents(rows)
}

// Prune keeps the event log bounded: it deletes events older than maxAge,
// and beyond the newest maxRows, but never an event still in the outbox nor
// an alarm the center has not acknowledged, nor how it ended at home (so
// OpenAlarms never sees an alarm cleared long ago as open again). It returns
// how many it deleted.
func (s *Store) Prune(ctx context.Context, now time.Time, maxAge time.Duration, maxRows int) (int64, error) {
	const keep = `published_ms <> 0 AND NOT (kind = 'alarm_raised' AND acked_ms = 0)
		AND NOT (alarm_id <> '' AND alarm_id IN (SELECT id FROM events WHERE kind = 'alarm_raised' AND acked_ms = 0))`
	var total int64
	if maxAge > 0 {
		res, err := s.db.ExecContext(ctx, `DELETE FROM events WHERE time_ms < ? AND `+keep, now.Add(-maxAge).UnixMilli())
		if err != nil {
			return 0, fmt.Errorf("store: prune by age: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
	}
	if maxRows > 0 {
		res, err := s.db.ExecContext(ctx, `DELETE FROM events WHERE seq <= (SELECT COALESCE(MAX(seq), 0) FROM events) - ? AND `+keep, maxRows)
		if err != nil {
			return 0, fmt.Errorf("store: prune by count: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}

// PutState saves a blob under key, durably.
func (s *Store) PutState(ctx context.Context, key string, value []byte, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO state(key, value, updated_ms) VALUES (?,?,?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms`, key, value, at.UnixMilli())
	if err != nil {
		return fmt.Errorf("store: save state %q: %w", key, err)
	}
	return nil
}

// GetState loads the blob saved under key, or ErrNoState.
func (s *Store) GetState(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	err := s.db.QueryRowContext(ctx, `SELECT value FROM state WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gateway.ErrNoState
	}
	if err != nil {
		return nil, fmt.Errorf("store: load state %q: %w", key, err)
	}
	return v, nil
}
