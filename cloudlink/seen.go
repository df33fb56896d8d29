package cloudlink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/safehub-iot/safehub/cloudlink/protocol"
	"github.com/safehub-iot/safehub/gateway"
)

// oldRepliesKey is where boxes before the command-id window kept their last
// 256 replies; Run moves them into the window once, so an upgrade does not
// forget a command the broker may still redeliver.
const oldRepliesKey = "cloudlink.cmd_replies"

func (l *Link) importOldReplies(ctx context.Context) error {
	data, err := l.deps.Store.GetState(ctx, oldRepliesKey)
	if errors.Is(err, gateway.ErrNoState) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("load old command replies: %w", err)
	}
	var saved []struct {
		ID    string          `json:"id"`
		Reply json.RawMessage `json:"reply"`
	}
	if json.Unmarshal(data, &saved) != nil {
		saved = nil // a damaged record only costs the memory of old commands
	}
	now := l.clock.Now()
	for _, r := range saved {
		if err := l.deps.Store.RecordCommand(ctx, r.ID, r.Reply, now.Add(l.cfg.CmdMaxAge), now); err != nil {
			return err
		}
	}
	return l.deps.Store.PutState(ctx, oldRepliesKey, []byte("[]"), now)
}

// onCmd runs on paho's goroutine: it only queues, never blocks. When the
// queue is full the command is answered at once with a "busy" refusal
// (not recorded, so the sender may send it again), never dropped unheard.
func (l *Link) onCmd(c paho.Client, m paho.Message) {
	select {
	case l.cmds <- m.Payload():
		return
	default:
	}
	cmd, _ := protocol.DecodeCommand(m.Payload())
	l.log.Warn("command queue full; command refused as busy", "id", cmd.ID, "cmd", cmd.Cmd)
	reply := protocol.ReplyMsg{Site: l.cfg.Site, ID: cmd.ID, Cmd: cmd.Cmd, Code: protocol.CodeBusy,
		Error: fmt.Sprintf("queue: %d commands waiting on the box; send again later", cap(l.cmds)), Time: l.clock.Now().UTC()}
	payload, err := protocol.Encode(&reply)
	if err != nil || c == nil {
		return
	}
	// Not waited for: waiting on paho's own goroutine would stall it.
	c.Publish(l.topics.reply, 1, false, payload)
}
