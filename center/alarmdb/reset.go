// Resets of latched alarms and repeats: an operator asks the box to reset
// an alarm latched until reset (smoke), recorded in the audit log with the
// command's id; the box's reply to that command is recorded against it, so
// the console shows the reset as done only once the box said so. Repeats
// (alarm_repeated events) are counted from the event log.

package alarmdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Audit actions of a reset.
const (
	AuditReset        = "reset"           // an operator asked; detail: the command id
	AuditResetDone    = "reset_confirmed" // the box replied ok; detail: the command id
	AuditResetRefused = "reset_refused"   // the box refused; detail: the command id and reason
)

// Reset is the latest reset an operator asked of a box for an alarm.
type Reset struct {
	By    string    `json:"by"`
	Asked time.Time `json:"asked"`
	// Confirmed is when the box's reply said it reset; zero until then.
	Confirmed time.Time `json:"confirmed,omitzero"`
	// Refused is the box's reason when it refused.
	Refused string `json:"refused,omitempty"`
}

// resetCols follow alarmCols: the repeats, then the latest reset request
// and the box's answer to it.
const resetCols = `(SELECT COUNT(*) FROM events e WHERE e.alarm_id = alarms.id AND e.kind = 'alarm_repeated'),
	COALESCE((SELECT operator || char(31) || detail FROM audit WHERE target = alarms.id AND action = 'reset' ORDER BY id DESC LIMIT 1), ''),
	COALESCE((SELECT time_ms FROM audit WHERE target = alarms.id AND action = 'reset' ORDER BY id DESC LIMIT 1), 0),
	COALESCE((SELECT action FROM audit WHERE target = alarms.id AND action IN ('reset_confirmed', 'reset_refused') ORDER BY id DESC LIMIT 1), ''),
	COALESCE((SELECT time_ms FROM audit WHERE target = alarms.id AND action IN ('reset_confirmed', 'reset_refused') ORDER BY id DESC LIMIT 1), 0),
	COALESCE((SELECT detail FROM audit WHERE target = alarms.id AND action IN ('reset_confirmed', 'reset_refused') ORDER BY id DESC LIMIT 1), '')`

type resetRow struct {
	by, answer, detail string
	asked, answered    int64
}

func (r resetRow) reset() *Reset {
	if r.asked == 0 {
		return nil
	}
	by, cmdID := splitUnit(r.by)
	rs := &Reset{By: by, Asked: fromMS(r.asked)}
	answerCmd, reason := splitUnit(r.detail)
	if r.answered < r.asked || answerCmd != cmdID {
		return rs // the answer is to an older request
	}
	switch r.answer {
	case AuditResetDone:
		rs.Confirmed = fromMS(r.answered)
	case AuditResetRefused:
		rs.Refused = reason
	}
	return rs
}

func splitUnit(s string) (string, string) {
	for i := 0; i < len(s); i++ {
		if s[i] == 31 {
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

// RequestReset records that operator asks the box to reset alarm id with
// the command cmdID. The alarm must be active at the box and not resolved.
func (d *DB) RequestReset(ctx context.Context, id, operator, cmdID string) (Alarm, error) {
	if operator == "" || cmdID == "" {
		return Alarm{}, fmt.Errorf("alarmdb: reset %q: operator and command id are required", id)
	}
	err := d.tx(ctx, "reset", func(tx *sql.Tx) error {
		var state, box string
		err := tx.QueryRowContext(ctx, `SELECT state, box_state FROM alarms WHERE id = ?`, id).Scan(&state, &box)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("alarm %q: %w", id, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("alarmdb: read alarm %q: %w", id, err)
		}
		if state == StateResolved || box != "active" {
			return fmt.Errorf("alarm %q is %s, %s at the box: %w", id, state, box, ErrState)
		}
		return audit(ctx, tx, d.clock.Now(), operator, AuditReset, id, cmdID)
	})
	if err != nil {
		return Alarm{}, err
	}
	return d.Alarm(ctx, id)
}

// ResetReplied records the box's reply to the reset command cmdID of site.
// It reports the alarm the command was for, or "" when cmdID is no reset
// the console asked for.
func (d *DB) ResetReplied(ctx context.Context, site, cmdID string, ok bool, reason string) (string, error) {
	var alarmID string
	err := d.tx(ctx, "reset reply", func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT a.target FROM audit a JOIN alarms ON alarms.id = a.target
			WHERE a.action = ? AND a.detail = ? AND alarms.site = ? ORDER BY a.id DESC LIMIT 1`,
			AuditReset, cmdID, site).Scan(&alarmID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("alarmdb: find reset %q: %w", cmdID, err)
		}
		action, detail := AuditResetDone, cmdID
		if !ok {
			action, detail = AuditResetRefused, cmdID+"\x1f"+reason
		}
		return audit(ctx, tx, d.clock.Now(), "box "+site, action, alarmID, detail)
	})
	return alarmID, err
}
