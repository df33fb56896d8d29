package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/safehub-iot/safehub/event"
)

// AlarmTimes says when a raised alarm was first accepted by the broker (as
// last recorded: a resend moves it) and when the center acknowledged it;
// zero times for what has not happened. The local API's test alarm uses it.
func (s *Store) AlarmTimes(ctx context.Context, alarmID string) (published, acked time.Time, err error) {
	var pub, ack int64
	err = s.db.QueryRowContext(ctx, `SELECT published_ms, acked_ms FROM events WHERE id = ? AND kind = ?`,
		alarmID, string(event.AlarmRaised)).Scan(&pub, &ack)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, time.Time{}, fmt.Errorf("store: alarm %s not found", alarmID)
	}
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("store: alarm times: %w", err)
	}
	if pub > 0 {
		published = time.UnixMilli(pub)
	}
	if ack > 0 {
		acked = time.UnixMilli(ack)
	}
	return published, acked, nil
}
