// Resetting a latched alarm from the console: the operator's request is
// audited and sent to the box as a reset command; the box's reply, when it
// comes, is recorded against the request, and only then does the console
// show the reset as done.

package center

import (
	"context"
	"fmt"

	"github.com/safehub-iot/safehub/center/alarmdb"
	"github.com/safehub-iot/safehub/cloudlink/protocol"
)

// Reset asks the box of alarm alarmID to reset its latched alarms (smoke):
// recorded in the audit log for operator, then sent. The alarm's Reset
// shows Confirmed once the box replies. A box that is offline gets the
// command from its persistent session when it returns, if within its
// command window.
func (c *Center) Reset(ctx context.Context, alarmID, operator string) (alarmdb.Alarm, error) {
	cmdID := fmt.Sprintf("reset-%s-%d", alarmID, c.cfg.Clock.Now().UnixMilli())
	a, err := c.db.RequestReset(ctx, alarmID, operator, cmdID)
	if err != nil {
		return a, err
	}
	if err := c.sendCommand(ctx, a.Site, &protocol.CommandMsg{ID: cmdID, Cmd: protocol.CmdReset}); err != nil {
		return a, fmt.Errorf("center: send reset for alarm %s: %w", alarmID, err)
	}
	c.cfg.Log.Info("reset sent", "site", a.Site, "alarm", alarmID, "operator", operator, "cmd", cmdID)
	c.notify.send()
	return a, nil
}

// resetReplies records the boxes' replies to resets in batch. It reports
// whether one was for a reset the console asked.
func (c *Center) resetReplies(ctx context.Context, batch []inbound) bool {
	changed := false
	for _, in := range batch {
		r := in.reply
		if r == nil {
			continue
		}
		id, err := c.db.ResetReplied(ctx, r.Site, r.ID, r.OK, r.Error)
		if err != nil {
			c.cfg.Log.Error("record reset reply", "site", r.Site, "cmd", r.ID, "err", err)
			continue
		}
		if id != "" {
			c.cfg.Log.Info("box replied to reset", "site", r.Site, "alarm", id, "ok", r.OK)
			changed = true
		}
	}
	return changed
}
