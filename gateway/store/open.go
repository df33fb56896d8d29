package store

import (
	"context"
	"fmt"

	"github.com/safehub-iot/safehub/event"
)

// openAlarmIDs selects the ids of the alarms nobody has handled: raised, not
// acknowledged by the center, and not cleared or cancelled at home.
const openAlarmIDs = `SELECT r.id FROM events r WHERE r.kind = 'alarm_raised' AND r.acked_ms = 0
	AND NOT EXISTS (SELECT 1 FROM events x WHERE x.alarm_id = r.id AND x.kind IN ('alarm_cleared', 'alarm_cancelled'))`

// OpenAlarms returns the alarms nobody has handled yet (raised, not
// acknowledged by the center, not cleared or cancelled at home) with their
// escalations: the alarm_raised and alarm_escalated events of those alarms,
// in sequence order. The SMS fallback texts from it.
func (s *Store) OpenAlarms(ctx context.Context) ([]event.Event, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT body FROM events WHERE kind IN (?, ?) AND alarm_id IN (`+openAlarmIDs+`) ORDER BY seq`,
		string(event.AlarmRaised), string(event.AlarmEscalated))
	if err != nil {
		return nil, fmt.Errorf("store: read open alarms: %w", err)
	}
	return scanEvents(rows)
}
