package cloudlink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/safehub-iot/safehub/cloudlink/protocol"
	"github.com/safehub-iot/safehub/gateway"
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

// handleCommand answers one command payload exactly once per id: a repeated
// id gets the first reply again and nothing is done twice. Bad payloads are
// refused with the reason; nothing here may panic or stop the link.
func (l *Link) handleCommand(ctx context.Context, data []byte) {
	now := l.clock.Now()
	m, err := protocol.DecodeCommand(data)
	if m.ID != "" {
		if prev, ok := l.replies.get(m.ID); ok {
			l.log.Info("repeated command answered again", "id", m.ID, "cmd", m.Cmd)
			l.publishReply(prev)
			return
		}
	}
	reply := protocol.ReplyMsg{Site: l.cfg.Site, ID: m.ID, Cmd: m.Cmd}
	switch age := now.Sub(m.Time); {
	case errors.Is(err, protocol.ErrUnknownCommand):
		reply.Code, reply.Error = protocol.CodeUnknown, err.Error()
	case err != nil:
		reply.Code, reply.Error = protocol.CodeMalformed, err.Error()
	case age > l.cfg.CmdMaxAge || age < -l.cfg.CmdMaxAge:
		reply.Code = protocol.CodeStale
		reply.Error = fmt.Sprintf("time: %s is %v away from the box clock (window ±%v)", m.Time.UTC().Format(time.RFC3339), age.Round(time.Second), l.cfg.CmdMaxAge)
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
	if m.ID != "" {
		if err := l.replies.put(ctx, l.deps.Store, m.ID, payload, now); err != nil {
			l.log.Error("save command reply", "id", m.ID, "err", err)
		}
	}
	l.publishReply(payload)
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

// Replies to recent commands are kept in the store so that a command
// repeated after a restart is still answered without acting twice.
const (
	repliesKey  = "cloudlink.cmd_replies"
	repliesKept = 256
)

type replyCache struct {
	mu    sync.Mutex
	Saved []savedReply
}

type savedReply struct {
	ID    string          `json:"id"`
	Reply json.RawMessage `json:"reply"`
}

func loadReplies(ctx context.Context, st StateStore) (*replyCache, error) {
	c := &replyCache{}
	data, err := st.GetState(ctx, repliesKey)
	if errors.Is(err, gateway.ErrNoState) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load command replies: %w", err)
	}
	if err := json.Unmarshal(data, &c.Saved); err != nil {
		// A damaged record only costs the memory of old commands.
		c.Saved = nil
	}
	return c, nil
}

func (c *replyCache) get(id string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.Saved) - 1; i >= 0; i-- {
		if c.Saved[i].ID == id {
			return c.Saved[i].Reply, true
		}
	}
	return nil, false
}

func (c *replyCache) put(ctx context.Context, st StateStore, id string, reply []byte, now time.Time) error {
	c.mu.Lock()
	c.Saved = append(c.Saved, savedReply{ID: id, Reply: reply})
	if len(c.Saved) > repliesKept {
		c.Saved = c.Saved[len(c.Saved)-repliesKept:]
	}
	data, err := json.Marshal(c.Saved)
	c.mu.Unlock()
	if err != nil {
		return err
	}
	return st.PutState(ctx, repliesKey, data, now)
}
