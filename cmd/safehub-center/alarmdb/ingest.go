package alarmdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/safehub-iot/safehub/gateway"
)

// Incoming is one event as received from a home.
type Incoming struct {
	Site  string
	Event gateway.Event
	// Received is when the center's MQTT client got it (center clock).
	Received time.Time
}

// IngestResult says what a batch changed.
type IngestResult struct {
	// Stored counts events stored for the first time; Duplicates counts
	// events whose id was already stored (redelivery, replay).
	Stored, Duplicates int
	// NewAlarms are the alarms created by this batch, in batch order.
	NewAlarms []Alarm
	// Gaps are the open sequence gaps not yet requested from their box
	// (those found by this batch among them).
	Gaps []Gap
}

// Gap is a run of sequence numbers a home has used but the center has not
// received: From..To inclusive.
type Gap struct {
	Site      string    `json:"site"`
	From      int64     `json:"from"`
	To        int64     `json:"to"`
	Found     time.Time `json:"found"`
	Requested time.Time `json:"requested"`
}

// maintenanceKinds are listed for the technicians, apart from emergencies.
var maintenanceKinds = map[gateway.Kind]bool{
	gateway.SensorFault: true,
	gateway.LowBattery:  true,
	gateway.Tamper:      true,
	gateway.MainsLost:   true,
}

// Ingest stores a batch of received events in one transaction. Events whose
// id is already stored are counted and otherwise ignored, so redelivery
// never shows an alarm twice. For each home it tracks the highest sequence
// number seen and records the gaps below it; an event that arrives late (a
// replay) fills its place in the gap.
//
// A home's first event opens a gap from 1 up to it, so whatever the box
// sent before the center knew it is asked for too.
func (d *DB) Ingest(ctx context.Context, batch []Incoming) (IngestResult, error) {
	var res IngestResult
	if len(batch) == 0 {
		return res, nil
	}
	err := d.tx(ctx, "ingest", func(tx *sql.Tx) error {
		ins, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO events(id, site, seq, time_ms, received_ms, kind, severity, sensor, alarm_id, test, body) VALUES (?,?,?,?,?,?,?,?,?,?,?)`)
		if err != nil {
			return fmt.Errorf("alarmdb: ingest: %w", err)
		}
		defer ins.Close()
		for i := range batch {
			in := &batch[i]
			ev := &in.Event
			if in.Site == "" || ev.ID == "" {
				return fmt.Errorf("alarmdb: ingest event %d: site and id are required", i)
			}
			body, err := json.Marshal(ev)
			if err != nil {
				return fmt.Errorf("alarmdb: encode event %s: %w", ev.ID, err)
			}
			r, err := ins.ExecContext(ctx, ev.ID, in.Site, ev.Seq, ms(orderTime(in)), ms(in.Received), string(ev.Kind), string(ev.Severity), ev.Sensor, ev.AlarmID, ev.Test, body)
			if err != nil {
				return fmt.Errorf("alarmdb: insert event %s: %w", ev.ID, err)
			}
			if n, _ := r.RowsAffected(); n == 0 {
				res.Duplicates++
				if ev.Kind == gateway.AlarmRaised {
					// The box sends an alarm again while it has not heard
					// the acknowledgement: send that again too.
					if _, err := tx.ExecContext(ctx, `UPDATE alarms SET ack_sent_ms = 0 WHERE id = ? AND acked_ms <> 0`, ev.ID); err != nil {
						return fmt.Errorf("alarmdb: re-arm ack of %s: %w", ev.ID, err)
					}
				}
				continue
			}
			res.Stored++
			if ev.Seq > 0 {
				if err := trackSeq(ctx, tx, in.Site, ev.Seq, ms(in.Received)); err != nil {
					return err
				}
			}
			a, err := applyEvent(ctx, tx, in)
			if err != nil {
				return err
			}
			if a != nil {
				res.NewAlarms = append(res.NewAlarms, *a)
			}
		}
		res.Gaps, err = queryGaps(ctx, tx, `WHERE requested_ms = 0`)
		return err
	})
	if err != nil {
		return IngestResult{}, err
	}
	return res, nil
}

// trackSeq advances the home's highest sequence number, opening a gap when
// numbers were skipped, or fills a gap when seq lies below it.
func trackSeq(ctx context.Context, tx *sql.Tx, site string, seq, now int64) error {
	if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO homes(site) VALUES (?)`, site); err != nil {
		return fmt.Errorf("alarmdb: add home %s: %w", site, err)
	}
	var max int64
	if err := tx.QueryRowContext(ctx, `SELECT max_seq FROM homes WHERE site = ?`, site).Scan(&max); err != nil {
		return fmt.Errorf("alarmdb: read sequence of %s: %w", site, err)
	}
	if seq > max {
		if _, err := tx.ExecContext(ctx, `UPDATE homes SET max_seq = ? WHERE site = ?`, seq, site); err != nil {
			return fmt.Errorf("alarmdb: advance sequence of %s: %w", site, err)
		}
		if seq == max+1 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO gaps(site, from_seq, to_seq, found_ms) VALUES (?,?,?,?)`, site, max+1, seq-1, now); err != nil {
			return fmt.Errorf("alarmdb: record gap: %w", err)
		}
		return nil
	}
	// A late event: cut it out of the gap that holds it.
	var from, to, found, req int64
	err := tx.QueryRowContext(ctx, `SELECT from_seq, to_seq, found_ms, requested_ms FROM gaps WHERE site = ? AND from_seq <= ? AND to_seq >= ?`, site, seq, seq).Scan(&from, &to, &found, &req)
	if err == sql.ErrNoRows {
		return nil
	}
	if err != nil {
		return fmt.Errorf("alarmdb: find gap: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM gaps WHERE site = ? AND from_seq = ?`, site, from); err != nil {
		return fmt.Errorf("alarmdb: fill gap: %w", err)
	}
	for _, part := range [][2]int64{{from, seq - 1}, {seq + 1, to}} {
		if part[0] > part[1] {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO gaps(site, from_seq, to_seq, found_ms, requested_ms) VALUES (?,?,?,?,?)`, site, part[0], part[1], found, req); err != nil {
			return fmt.Errorf("alarmdb: split gap: %w", err)
		}
	}
	return nil
}

// applyEvent updates alarms and the maintenance list for one newly stored
// event, and returns the alarm it created, if any.
// orderTime is the time the center orders an event by: the box's time, or
// the center's own receive time when the box said its clock is unsure (a Pi
// without RTC before NTP sync). The box's time stays in the stored body.
func orderTime(in *Incoming) time.Time {
	if in.Event.ClockUnsure {
		return in.Received
	}
	return in.Event.Time
}

func applyEvent(ctx context.Context, tx *sql.Tx, in *Incoming) (*Alarm, error) {
	ev := &in.Event
	alarmID := ev.AlarmID
	if alarmID == "" {
		alarmID = ev.ID
	}
	switch {
	case ev.Kind == gateway.AlarmRaised:
		a := Alarm{
			ID: alarmID, Site: in.Site, Severity: string(ev.Severity), Sensor: ev.Sensor,
			SensorKind: ev.SensorKind, Room: ev.Room, Rule: ev.Rule, Message: ev.Message, Test: ev.Test,
			Raised: orderTime(in).UTC(), Received: in.Received.UTC(), State: StateNew, BoxState: "active",
		}
		r, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO alarms(id, site, severity, rank, sensor, sensor_kind, room, rule, message, test, raised_ms, received_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
			a.ID, a.Site, a.Severity, gateway.Severity(a.Severity).Rank(), a.Sensor, a.SensorKind, a.Room, a.Rule, a.Message, a.Test, ms(a.Raised), ms(a.Received))
		if err != nil {
			return nil, fmt.Errorf("alarmdb: add alarm %s: %w", a.ID, err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return nil, nil
		}
		// Lifecycle events that overtook the raise (a replayed gap).
		if _, err := tx.ExecContext(ctx, `UPDATE alarms SET
			box_state = COALESCE((SELECT CASE kind WHEN 'alarm_cleared' THEN 'cleared' ELSE 'cancelled' END FROM events WHERE alarm_id = alarms.id AND kind IN ('alarm_cleared','alarm_cancelled') ORDER BY time_ms DESC LIMIT 1), box_state),
			box_state_ms = COALESCE((SELECT time_ms FROM events WHERE alarm_id = alarms.id AND kind IN ('alarm_cleared','alarm_cancelled') ORDER BY time_ms DESC LIMIT 1), box_state_ms),
			escalated = EXISTS (SELECT 1 FROM events WHERE alarm_id = alarms.id AND kind = 'alarm_escalated')
			WHERE id = ?`, a.ID); err != nil {
			return nil, fmt.Errorf("alarmdb: catch up alarm %s: %w", a.ID, err)
		}
		return &a, nil
	case ev.Kind == gateway.AlarmCleared || ev.Kind == gateway.AlarmCancelled:
		state := "cleared"
		if ev.Kind == gateway.AlarmCancelled {
			state = "cancelled"
		}
		if _, err := tx.ExecContext(ctx, `UPDATE alarms SET box_state = ?, box_state_ms = ? WHERE id = ?`, state, ms(ev.Time), alarmID); err != nil {
			return nil, fmt.Errorf("alarmdb: clear alarm %s: %w", alarmID, err)
		}
	case ev.Kind == gateway.AlarmEscalated:
		if _, err := tx.ExecContext(ctx, `UPDATE alarms SET escalated = 1 WHERE id = ?`, alarmID); err != nil {
			return nil, fmt.Errorf("alarmdb: escalate alarm %s: %w", alarmID, err)
		}
	case maintenanceKinds[ev.Kind]:
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO maintenance(site, sensor, kind, message, since_ms, event_id) VALUES (?,?,?,?,?,?)`,
			in.Site, ev.Sensor, string(ev.Kind), ev.Message, ms(ev.Time), ev.ID); err != nil {
			return nil, fmt.Errorf("alarmdb: add maintenance item: %w", err)
		}
	case ev.Kind == gateway.SensorRestored || ev.Kind == gateway.MainsRestored:
		kind := gateway.SensorFault
		if ev.Kind == gateway.MainsRestored {
			kind = gateway.MainsLost
		}
		if _, err := tx.ExecContext(ctx, `UPDATE maintenance SET cleared_ms = ? WHERE site = ? AND sensor = ? AND kind = ? AND cleared_ms = 0 AND since_ms <= ?`,
			ms(ev.Time), in.Site, ev.Sensor, string(kind), ms(ev.Time)); err != nil {
			return nil, fmt.Errorf("alarmdb: clear maintenance item: %w", err)
		}
	}
	return nil, nil
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func queryGaps(ctx context.Context, q querier, where string, args ...any) ([]Gap, error) {
	rows, err := q.QueryContext(ctx, `SELECT site, from_seq, to_seq, found_ms, requested_ms FROM gaps `+where+` ORDER BY site, from_seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("alarmdb: read gaps: %w", err)
	}
	defer rows.Close()
	var out []Gap
	for rows.Next() {
		var g Gap
		var found, req int64
		if err := rows.Scan(&g.Site, &g.From, &g.To, &found, &req); err != nil {
			return nil, fmt.Errorf("alarmdb: read gaps: %w", err)
		}
		g.Found, g.Requested = fromMS(found), fromMS(req)
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("alarmdb: read gaps: %w", err)
	}
	return out, nil
}

// Gaps returns the open gaps, of one home or (site "") of all.
func (d *DB) Gaps(ctx context.Context, site string) ([]Gap, error) {
	if site == "" {
		return queryGaps(ctx, d.db, "")
	}
	return queryGaps(ctx, d.db, "WHERE site = ?", site)
}

// GapsToRequest returns the open gaps never requested, or last requested
// before retryBefore, so a replay lost on the way is asked for again.
func (d *DB) GapsToRequest(ctx context.Context, retryBefore time.Time) ([]Gap, error) {
	return queryGaps(ctx, d.db, "WHERE requested_ms < ?", ms(retryBefore))
}

// MarkRequested records that a replay of g was asked for at t.
func (d *DB) MarkRequested(ctx context.Context, g Gap, t time.Time) error {
	if _, err := d.db.ExecContext(ctx, `UPDATE gaps SET requested_ms = ? WHERE site = ? AND from_seq <= ? AND to_seq >= ?`, ms(t), g.Site, g.To, g.From); err != nil {
		return fmt.Errorf("alarmdb: mark gap requested: %w", err)
	}
	return nil
}
