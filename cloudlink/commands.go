package cloudlink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/safehub-iot/safehub/cloudlink/protocol"
)

// commandLoop handles downlink commands one at a time, off paho's goroutine
// and off the publishing loop.
func (l *Link) commandLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case data := <-l.cmds:
			l.handleCommand(ctx, data)
		}
	}
}

// handleCommand answers one command payload. An id seen inside its time
// window is never acted on again: a repeat gets the reply kept for it, or a
// "duplicate" refusal if its first attempt was refused for a passing reason
// (those replies are not kept, so the sender's next attempt, under a new id,
// is judged afresh). A command outside the window is refused by its age.
// Bad payloads are refused with the reason; nothing here may panic or stop
// the link.
func (l *Link) handleCommand(ctx context.Context, data []byte) {
	now := l.clock.Now()
	m, err := protocol.DecodeCommand(data)
	reply := protocol.ReplyMsg{Site: l.cfg.Site, ID: m.ID, Cmd: m.Cmd}
	if m.ID != "" {
		prev, seen, serr := l.deps.Store.CommandSeen(ctx, m.ID, now)
		switch {
		case serr != nil:
			l.log.Error("look up command id", "id", m.ID, "err", serr)
			reply.Code, reply.Error = protocol.CodeFailed, "id: cannot tell a replay now: "+serr.Error()
			l.sendReply(ctx, m, reply, now, false)
			return
		case seen && prev != nil:
			l.log.Info("repeated command answered again", "id", m.ID, "cmd", m.Cmd)
			l.publishReply(prev)
			return
		case seen:
			l.log.Warn("repeated command refused", "id", m.ID, "cmd", m.Cmd)
			reply.Code, reply.Error = protocol.CodeDuplicate, fmt.Sprintf("id: %q was seen already and refused then; not acted on (send again under a new id)", m.ID)
			l.sendReply(ctx, m, reply, now, false)
			return
		}
	}
	switch age := now.Sub(m.Time); {
	case errors.Is(err, protocol.ErrUnknownCommand):
		reply.Code, reply.Error = protocol.CodeUnknown, err.Error()
	case err != nil:
		reply.Code, reply.Error = protocol.CodeMalformed, err.Error()
	case age > l.cfg.CmdMaxAge || age < -l.cfg.CmdMaxAge:
		reply.Code = protocol.CodeStale
		reply.Error = fmt.Sprintf("time: %s is %v away from the box clock (window ±%v)", m.Time.UTC().Format(time.RFC3339), age.Round(time.Second), l.cfg.CmdMaxAge)
		l.sendReply(ctx, m, reply, now, false) // never seen inside the window
		return
	default:
		result, code, err := l.execute(ctx, now, m)
		if err != nil {
			reply.Code, reply.Error = code, err.Error()
		} else {
			reply.OK = true
			if result != nil {
				if reply.Result, err = json.Marshal(result); err != nil {
					reply.OK, reply.Code, reply.Error, reply.Result = false, protocol.CodeFailed, "encode result: "+err.Error(), nil
				}
			}
		}
	}
	l.sendReply(ctx, m, reply, now, m.ID != "")
}

// sendReply publishes reply; with record, the command's id is kept until
// the end of its window, with the reply unless the refusal was a passing
// one.
func (l *Link) sendReply(ctx context.Context, m protocol.CommandMsg, reply protocol.ReplyMsg, now time.Time, record bool) {
	reply.Time = l.clock.Now().UTC()
	payload, err := protocol.Encode(&reply)
	if err != nil {
		l.log.Error("encode reply", "id", m.ID, "err", err)
		return
	}
	if reply.OK {
		l.log.Info("command done", "id", m.ID, "cmd", m.Cmd)
	} else {
		l.log.Warn("command refused", "id", m.ID, "cmd", m.Cmd, "code", reply.Code, "reason", reply.Error)
	}
	if record {
		kept := payload
		if !reply.OK && protocol.Retryable(reply.Code) {
			kept = nil
		}
		if err := l.deps.Store.RecordCommand(ctx, m.ID, kept, l.seenUntil(m, now), now); err != nil {
			l.log.Error("save command id", "id", m.ID, "err", err)
		}
	}
	l.publishReply(payload)
}

// seenUntil is when a command stops being accepted by its age: until then
// its id must be remembered.
func (l *Link) seenUntil(m protocol.CommandMsg, now time.Time) time.Time {
	t := now
	if m.Time.After(t) {
		t = m.Time
	}
	return t.Add(l.cfg.CmdMaxAge)
}

// publishReply sends a reply over the live connection. With the link down
// the reply is dropped here but kept in the cache: the center's retry with
// the same id gets it.
func (l *Link) publishReply(payload []byte) {
	cn := l.cur.Load()
	if cn == nil {
		l.log.Warn("reply not sent: link down")
		return
	}
	if err := waitToken(cn.c.Publish(l.topics.reply, 1, false, payload), l.cfg.ConnectTimeout); err != nil {
		l.log.Warn("publish reply", "err", err)
	}
}

// execute carries out a valid command. code says why it failed.
func (l *Link) execute(ctx context.Context, now time.Time, m protocol.CommandMsg) (result any, code string, err error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	failed := func(err error) (any, string, error) { return nil, protocol.CodeFailed, err }
	needExec := func() error {
		if l.deps.Exec == nil {
			return fmt.Errorf("%s is not supported by this box", m.Cmd)
		}
		return nil
	}
	switch m.Cmd {
	case protocol.CmdAck:
		return l.ack(ctx, now, m)
	case protocol.CmdSetHeartbeat:
		l.heartbeat.Store(int64(time.Duration(m.IntervalS) * time.Second))
		select {
		case l.hbReset <- struct{}{}:
		default:
		}
		return map[string]int{"interval_s": m.IntervalS}, "", nil
	case protocol.CmdStatus:
		return l.statusResult(ctx), "", nil
	case protocol.CmdReplay:
		n, err := l.replay(ctx, m.From, m.To)
		if err != nil {
			return failed(err)
		}
		return map[string]int{"sent": n}, "", nil
	}
	if err := needExec(); err != nil {
		return failed(err)
	}
	switch m.Cmd {
	case protocol.CmdSilence:
		err = l.deps.Exec.SilenceSiren(ctx)
	case protocol.CmdReset:
		err = l.deps.Exec.Reset(ctx)
	case protocol.CmdSelfTest:
		result, err = l.deps.Exec.SelfTest(ctx)
	case protocol.CmdReplaceRules:
		if err := l.deps.Exec.ReplaceRules(ctx, []byte(m.Rules)); err != nil {
			return nil, protocol.CodeRejected, err // the executor says why; the old rules stay
		}
		return nil, "", nil
	default:
		return nil, protocol.CodeUnknown, fmt.Errorf("cmd: %q not handled", m.Cmd)
	}
	if err != nil {
		return failed(err)
	}
	return result, "", nil
}

func (l *Link) ack(ctx context.Context, now time.Time, m protocol.CommandMsg) (any, string, error) {
	found, acked, err := l.deps.Store.AlarmStatus(ctx, m.AlarmID)
	if err != nil {
		return nil, protocol.CodeFailed, err
	}
	if !found {
		return nil, protocol.CodeRejected, fmt.Errorf("alarm_id: no alarm %q on this box", m.AlarmID)
	}
	res := map[string]any{"alarm_id": m.AlarmID, "already": !acked.IsZero()}
	if !acked.IsZero() {
		return res, "", nil
	}
	if l.deps.Acker != nil {
		if err := l.deps.Acker.Acknowledge(ctx, m.AlarmID); err != nil {
			return nil, protocol.CodeFailed, fmt.Errorf("acknowledge alarm: %w", err)
		}
	}
	if _, err := l.deps.Store.MarkAcked(ctx, m.AlarmID, now); err != nil {
		return nil, protocol.CodeFailed, err
	}
	l.log.Info("alarm acknowledged by the center", "alarm_id", m.AlarmID, "operator", m.Operator)
	return res, "", nil
}

// replay publishes events with seq in [from, to] again, marked resent.
func (l *Link) replay(ctx context.Context, from, to int64) (int, error) {
	cn := l.cur.Load()
	if cn == nil {
		return 0, errors.New("link down")
	}
	evs, err := l.deps.Store.Events(ctx, from-1, int(to-from+1))
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, ev := range evs {
		if ev.Seq > to {
			break
		}
		m := protocol.NewEventMsg(l.cfg.Site, ev, l.clock.Now())
		m.Resent = true
		payload, err := protocol.Encode(&m)
		if err != nil {
			return sent, err
		}
		topic := l.topics.event
		if protocol.ChannelOf(ev.Kind) == protocol.Alarm {
			topic = l.topics.alarm
		}
		if err := waitToken(cn.c.Publish(topic, 1, false, payload), l.cfg.ConnectTimeout); err != nil {
			return sent, fmt.Errorf("replay event %d: %w", ev.Seq, err)
		}
		sent++
	}
	return sent, nil
}

type statusResult struct {
	Connected     bool                    `json:"connected"`
	Broker        string                  `json:"broker"`
	Since         time.Time               `json:"since"`
	LastSeq       int64                   `json:"last_seq"`
	OutboxDepth   int                     `json:"outbox_depth"`
	OldestUnsent  time.Time               `json:"oldest_unsent,omitzero"`
	UnackedAlarms int                     `json:"unacked_alarms"`
	HeartbeatS    int                     `json:"heartbeat_s"`
	Version       string                  `json:"version"`
	Sensors       []protocol.SensorHealth `json:"sensors"`
}

func (l *Link) statusResult(ctx context.Context) statusResult {
	st := l.State()
	r := statusResult{
		Connected: st.Connected, Broker: st.Broker, Since: st.Since.UTC(), OutboxDepth: st.OutboxDepth,
		HeartbeatS: int(time.Duration(l.heartbeat.Load()) / time.Second), Version: l.cfg.Version,
		Sensors: l.sensorHealth(),
	}
	if !st.OldestUnsent.IsZero() {
		r.OldestUnsent = st.OldestUnsent.UTC()
	}
	r.LastSeq, _ = l.deps.Store.LastSeq(ctx)
	r.UnackedAlarms, _ = l.deps.Store.CountUnacked(ctx)
	return r
}
