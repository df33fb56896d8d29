package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/safehub-iot/safehub/event"
)

// This file holds the cloud link's extras on the outbox (the events table):
// bounding it, resending unacknowledged alarms, and answering about one
// alarm. An event's published_ms is 0 while it waits for the broker, the
// time of its last send once the broker accepted it, and evictedMark once it
// was evicted unsent.

// evictedMark in published_ms marks telemetry dropped from a full outbox.
// The event stays in the log (a replay can still send it) and Prune may
// delete it.
const evictedMark = -1

// EvictTelemetry keeps the outbox within max events: if more are waiting,
// the oldest non-alarm events are taken out of it (never alarms). It
// returns how many were evicted; the caller raises the overflow event.
func (s *Store) EvictTelemetry(ctx context.Context, max int) (int64, error) {
	var n int64
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM events WHERE published_ms = 0`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: outbox depth: %w", err)
	}
	if n <= int64(max) {
		return 0, nil
	}
	res, err := s.db.ExecContext(ctx, `UPDATE events SET published_ms = ? WHERE seq IN (
		SELECT seq FROM events WHERE published_ms = 0 AND priority > 0 ORDER BY seq LIMIT ?)`, evictedMark, n-int64(max))
	if err != nil {
		return 0, fmt.Errorf("store: evict telemetry: %w", err)
	}
	evicted, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: evict telemetry: %w", err)
	}
	return evicted, nil
}

// ResendDue returns up to limit raised alarms that the broker accepted but
// the center has not acknowledged, last sent at or before before, oldest
// first.
func (s *Store) ResendDue(ctx context.Context, before time.Time, limit int) ([]event.Event, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT body FROM events WHERE kind = ? AND acked_ms = 0 AND published_ms > 0 AND published_ms <= ? ORDER BY seq LIMIT ?`,
		string(event.AlarmRaised), before.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("store: read alarms to resend: %w", err)
	}
	return scanEvents(rows)
}

// MarkResent records that already-published events were sent again at at.
func (s *Store) MarkResent(ctx context.Context, at time.Time, seqs ...int64) error {
	if len(seqs) == 0 {
		return nil
	}
	err := s.lazyTx(ctx, func(tx *sql.Tx) error {
		for _, seq := range seqs {
			if _, err := tx.ExecContext(ctx, `UPDATE events SET published_ms = ? WHERE seq = ? AND published_ms > 0`, at.UnixMilli(), seq); err != nil {
				return fmt.Errorf("%d: %w", seq, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: mark resent: %w", err)
	}
	return nil
}

// AlarmStatus reports whether a raised alarm with this id is in the log
// and, if the center acknowledged it, when (zero if not).
func (s *Store) AlarmStatus(ctx context.Context, alarmID string) (found bool, acked time.Time, err error) {
	var ms int64
	err = s.db.QueryRowContext(ctx, `SELECT acked_ms FROM events WHERE id = ? AND kind = ?`, alarmID, string(event.AlarmRaised)).Scan(&ms)
	if errors.Is(err, sql.ErrNoRows) {
		return false, time.Time{}, nil
	}
	if err != nil {
		return false, time.Time{}, fmt.Errorf("store: alarm %s: %w", alarmID, err)
	}
	if ms != 0 {
		acked = time.UnixMilli(ms)
	}
	return true, acked, nil
}

// CountUnacked is the number of raised alarms the center has not
// acknowledged.
func (s *Store) CountUnacked(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM events WHERE kind = ? AND acked_ms = 0`, string(event.AlarmRaised)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count unacknowledged alarms: %w", err)
	}
	return n, nil
}
