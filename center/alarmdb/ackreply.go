package alarmdb

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// AckCommandID is the command id of attempt n (from 1) of the
// acknowledgement of an alarm: each attempt has its own, so the box can
// tell a retry from a replay.
func AckCommandID(alarmID string, n int) string {
	return fmt.Sprintf("ack-%s-%d", alarmID, n)
}

// ParseAckCommandID is AckCommandID's inverse; ok is false for other ids.
func ParseAckCommandID(id string) (alarmID string, n int, ok bool) {
	rest, found := strings.CutPrefix(id, "ack-")
	i := strings.LastIndexByte(rest, '-')
	if !found || i <= 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(rest[i+1:])
	if err != nil || n < 1 {
		return "", 0, false
	}
	return rest[:i], n, true
}

// AckReply is a box's answer to one attempt of an acknowledgement.
type AckReply struct {
	Site, AlarmID string
	Attempt       int
	OK            bool
	// Reason is the box's code and error on a refusal.
	Reason string
	At     time.Time
}

// RecordAckReply records a box's answer. A success of any attempt means the
// box was told. A refusal of the latest attempt is shown with its reason
// and makes the acknowledgement due again (AcksToSend), under the next
// attempt's id; a refusal of an older attempt changes nothing. changed
// says whether the alarm changed.
func (d *DB) RecordAckReply(ctx context.Context, r AckReply) (changed bool, err error) {
	q := `UPDATE alarms SET ack_told_ms = ?, ack_refused = '' WHERE id = ? AND site = ? AND acked_ms <> 0 AND ack_told_ms = 0`
	args := []any{ms(r.At), r.AlarmID, r.Site}
	if !r.OK {
		q = `UPDATE alarms SET ack_refused = ?, ack_sent_ms = 0 WHERE id = ? AND site = ? AND acked_ms <> 0 AND ack_told_ms = 0 AND ack_attempt = ?`
		args = []any{r.Reason, r.AlarmID, r.Site, r.Attempt}
	}
	res, err := d.db.ExecContext(ctx, q, args...)
	if err != nil {
		return false, fmt.Errorf("alarmdb: record ack reply %q: %w", r.AlarmID, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}
