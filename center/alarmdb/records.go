package alarmdb

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// MaintenanceItem is a sensor fault, low battery, tamper or mains loss: work
// for a technician, listed apart from emergencies.
type MaintenanceItem struct {
	Site    string    `json:"site"`
	Sensor  string    `json:"sensor"`
	Kind    string    `json:"kind"`
	Message string    `json:"message"`
	Since   time.Time `json:"since"`
	Cleared time.Time `json:"cleared,omitzero"`
}

// Maintenance returns the open maintenance items (and the cleared ones too
// when all is set), oldest first.
func (d *DB) Maintenance(ctx context.Context, all bool) ([]MaintenanceItem, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT site, sensor, kind, message, since_ms, cleared_ms FROM maintenance WHERE ? OR cleared_ms = 0 ORDER BY since_ms, site, sensor`, all)
	if err != nil {
		return nil, fmt.Errorf("alarmdb: list maintenance: %w", err)
	}
	defer rows.Close()
	var out []MaintenanceItem
	for rows.Next() {
		var m MaintenanceItem
		var since, cleared int64
		if err := rows.Scan(&m.Site, &m.Sensor, &m.Kind, &m.Message, &since, &cleared); err != nil {
			return nil, fmt.Errorf("alarmdb: list maintenance: %w", err)
		}
		m.Since, m.Cleared = fromMS(since), fromMS(cleared)
		out = append(out, m)
	}
	return out, rows.Err()
}

// History returns a home's events, newest first by the box's sequence
// number (never by a box clock that may be unsure), up to limit (0: all).
func (d *DB) History(ctx context.Context, site string, limit int) ([]Incoming, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := d.db.QueryContext(ctx, `SELECT site, received_ms, body FROM events WHERE site = ? ORDER BY seq DESC, received_ms DESC LIMIT ?`, site, limit)
	if err != nil {
		return nil, fmt.Errorf("alarmdb: history of %s: %w", site, err)
	}
	defer rows.Close()
	var out []Incoming
	for rows.Next() {
		var in Incoming
		var received int64
		var body []byte
		if err := rows.Scan(&in.Site, &received, &body); err != nil {
			return nil, fmt.Errorf("alarmdb: history of %s: %w", site, err)
		}
		if err := json.Unmarshal(body, &in.Event); err != nil {
			return nil, fmt.Errorf("alarmdb: history of %s: decode event: %w", site, err)
		}
		in.Received = fromMS(received)
		out = append(out, in)
	}
	return out, rows.Err()
}

// CountEvents returns how many events are stored, all homes together.
func (d *DB) CountEvents(ctx context.Context) (int, error) {
	var n int
	if err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM events`).Scan(&n); err != nil {
		return 0, fmt.Errorf("alarmdb: count events: %w", err)
	}
	return n, nil
}
