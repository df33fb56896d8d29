package alarmdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Alarm lifecycle states at the center.
const (
	StateNew          = "new"
	StateAcknowledged = "acknowledged"
	StateResolved     = "resolved"
)

// Alarm is one alarm raised in a home, with what the box and the operators
// have done about it since.
type Alarm struct {
	ID         string    `json:"id"`
	Site       string    `json:"site"`
	Severity   string    `json:"severity"`
	Sensor     string    `json:"sensor,omitempty"`
	SensorKind string    `json:"sensor_kind,omitempty"`
	Room       string    `json:"room,omitempty"`
	Rule       string    `json:"rule,omitempty"`
	Message    string    `json:"message,omitempty"`
	Test       bool      `json:"test"`
	Raised     time.Time `json:"raised"`   // box clock
	Received   time.Time `json:"received"` // center clock
	State      string    `json:"state"`
	// BoxState is "active", "cleared" or "cancelled", as the box reports.
	BoxState   string    `json:"box_state"`
	BoxStateAt time.Time `json:"box_state_at,omitzero"`
	Escalated  bool      `json:"escalated"`
	AckedBy    string    `json:"acked_by,omitempty"`
	Acked      time.Time `json:"acked,omitzero"`
	// AckSent is when the acknowledgement was delivered to the broker for
	// the box; zero while it is still to be sent.
	AckSent time.Time `json:"ack_sent,omitzero"`
	// AckAttempt counts the acknowledgements handed to the broker; AckTold
	// is when the box replied that it took one (zero until then);
	// AckRefused is why the box refused the last attempt, while the center
	// tries again.
	AckAttempt int       `json:"ack_attempt,omitempty"`
	AckTold    time.Time `json:"ack_told,omitzero"`
	AckRefused string    `json:"ack_refused,omitempty"`
	ResolvedBy string    `json:"resolved_by,omitempty"`
	Resolved   time.Time `json:"resolved,omitzero"`
	Outcome    string    `json:"outcome,omitempty"`
	Note       string    `json:"note,omitempty"`
	// Repeats counts the alarm_repeated events of this alarm: its trigger
	// came again while it was active at the box (reset.go).
	Repeats int `json:"repeats,omitempty"`
	// Reset is the latest reset an operator asked of the box, if any.
	Reset *Reset `json:"reset,omitempty"`
}

// Filter selects alarms. The zero Filter selects all alarms, test or not.
type Filter struct {
	Site string
	// Open selects alarms not yet resolved.
	Open bool
	// Test selects test (true) or real (false) alarms when set.
	Test *bool
	// Limit caps the result (0: no cap).
	Limit int
}

const alarmCols = `id, site, severity, sensor, sensor_kind, room, rule, message, test, raised_ms, received_ms, state, box_state, box_state_ms, escalated, acked_by, acked_ms, ack_sent_ms, resolved_by, resolved_ms, outcome, note, ack_attempt, ack_told_ms, ack_refused, ` + resetCols

func scanAlarm(row interface{ Scan(...any) error }) (Alarm, error) {
	var a Alarm
	var raised, received, boxAt, acked, sent, resolved, told int64
	var rs resetRow
	err := row.Scan(&a.ID, &a.Site, &a.Severity, &a.Sensor, &a.SensorKind, &a.Room, &a.Rule, &a.Message, &a.Test,
		&raised, &received, &a.State, &a.BoxState, &boxAt, &a.Escalated, &a.AckedBy, &acked, &sent,
		&a.ResolvedBy, &resolved, &a.Outcome, &a.Note, &a.AckAttempt, &told, &a.AckRefused,
		&a.Repeats, &rs.by, &rs.asked, &rs.answer, &rs.answered, &rs.detail)
	if err != nil {
		return Alarm{}, err
	}
	a.Reset = rs.reset()
	a.Raised, a.Received, a.BoxStateAt = fromMS(raised), fromMS(received), fromMS(boxAt)
	a.Acked, a.AckSent, a.Resolved, a.AckTold = fromMS(acked), fromMS(sent), fromMS(resolved), fromMS(told)
	return a, nil
}

// Alarms returns the alarms f selects: open ones first, then by severity
// (critical first) and age (oldest first), the order operators work in.
func (d *DB) Alarms(ctx context.Context, f Filter) ([]Alarm, error) {
	var where []string
	var args []any
	if f.Site != "" {
		where = append(where, "site = ?")
		args = append(args, f.Site)
	}
	if f.Open {
		where = append(where, "state <> 'resolved'")
	}
	if f.Test != nil {
		where = append(where, "test = ?")
		args = append(args, *f.Test)
	}
	q := `SELECT ` + alarmCols + ` FROM alarms`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += ` ORDER BY state = 'resolved', rank, raised_ms, id`
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("alarmdb: list alarms: %w", err)
	}
	defer rows.Close()
	var out []Alarm
	for rows.Next() {
		a, err := scanAlarm(rows)
		if err != nil {
			return nil, fmt.Errorf("alarmdb: list alarms: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("alarmdb: list alarms: %w", err)
	}
	return out, nil
}

// Alarm returns one alarm by id, or an error wrapping ErrNotFound.
func (d *DB) Alarm(ctx context.Context, id string) (Alarm, error) {
	a, err := scanAlarm(d.db.QueryRowContext(ctx, `SELECT `+alarmCols+` FROM alarms WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Alarm{}, fmt.Errorf("alarm %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Alarm{}, fmt.Errorf("alarmdb: read alarm %q: %w", id, err)
	}
	return a, nil
}

// Acknowledge moves a new alarm to acknowledged by operator, and records
// the action in the audit log, in one transaction.
func (d *DB) Acknowledge(ctx context.Context, id, operator string) (Alarm, error) {
	if operator == "" {
		return Alarm{}, fmt.Errorf("alarmdb: acknowledge %q: operator is required", id)
	}
	now := d.clock.Now()
	err := d.tx(ctx, "acknowledge", func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE alarms SET state = 'acknowledged', acked_by = ?, acked_ms = ? WHERE id = ? AND state = 'new'`, operator, ms(now), id)
		if err != nil {
			return fmt.Errorf("alarmdb: acknowledge %q: %w", id, err)
		}
		if err := d.stepDone(ctx, tx, r, id); err != nil {
			return err
		}
		return audit(ctx, tx, now, operator, "acknowledge", id, "")
	})
	if err != nil {
		return Alarm{}, err
	}
	return d.Alarm(ctx, id)
}

// Resolve closes an acknowledged alarm with its outcome (what happened:
// "help sent", "false alarm", ...) and a free note.
func (d *DB) Resolve(ctx context.Context, id, operator, outcome, note string) (Alarm, error) {
	switch {
	case operator == "":
		return Alarm{}, fmt.Errorf("alarmdb: resolve %q: operator is required", id)
	case strings.TrimSpace(outcome) == "":
		return Alarm{}, fmt.Errorf("alarmdb: resolve %q: outcome is required", id)
	}
	now := d.clock.Now()
	err := d.tx(ctx, "resolve", func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE alarms SET state = 'resolved', resolved_by = ?, resolved_ms = ?, outcome = ?, note = ? WHERE id = ? AND state = 'acknowledged'`,
			operator, ms(now), outcome, note, id)
		if err != nil {
			return fmt.Errorf("alarmdb: resolve %q: %w", id, err)
		}
		if err := d.stepDone(ctx, tx, r, id); err != nil {
			return err
		}
		return audit(ctx, tx, now, operator, "resolve", id, outcome+": "+note)
	})
	if err != nil {
		return Alarm{}, err
	}
	return d.Alarm(ctx, id)
}

// stepDone turns "no row changed" into ErrNotFound or ErrState.
func (d *DB) stepDone(ctx context.Context, tx *sql.Tx, r sql.Result, id string) error {
	if n, _ := r.RowsAffected(); n == 1 {
		return nil
	}
	var state string
	err := tx.QueryRowContext(ctx, `SELECT state FROM alarms WHERE id = ?`, id).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("alarm %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("alarmdb: read alarm %q: %w", id, err)
	}
	return fmt.Errorf("alarm %q is %s: %w", id, state, ErrState)
}

// AcksToSend returns acknowledged alarms whose acknowledgement is to be
// handed to the broker for the box: never sent, or refused by the box (see
// AckReply), and the box has not taken one yet.
func (d *DB) AcksToSend(ctx context.Context) ([]Alarm, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+alarmCols+` FROM alarms WHERE acked_ms <> 0 AND ack_sent_ms = 0 AND ack_told_ms = 0 ORDER BY acked_ms`)
	if err != nil {
		return nil, fmt.Errorf("alarmdb: acks to send: %w", err)
	}
	defer rows.Close()
	var out []Alarm
	for rows.Next() {
		a, err := scanAlarm(rows)
		if err != nil {
			return nil, fmt.Errorf("alarmdb: acks to send: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// MarkAckSent records that attempt AckAttempt+1 of the acknowledgement of
// alarm id reached the broker.
func (d *DB) MarkAckSent(ctx context.Context, id string, t time.Time) error {
	if _, err := d.db.ExecContext(ctx, `UPDATE alarms SET ack_sent_ms = ?, ack_attempt = ack_attempt + 1 WHERE id = ?`, ms(t), id); err != nil {
		return fmt.Errorf("alarmdb: mark ack sent %q: %w", id, err)
	}
	return nil
}
