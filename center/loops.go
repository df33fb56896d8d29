package center

import (
	"context"
	"fmt"
	"time"

	"github.com/safehub-iot/safehub/center/alarmdb"
	"github.com/safehub-iot/safehub/cloudlink/protocol"
)

// ingestLoop stores queued messages in batches: whatever has arrived while
// the last batch was being written goes into the next transaction. A batch
// is committed and shown first, then made durable (one fsync), and only
// then are its messages acknowledged to the broker (alarmdb.StoreUnsynced
// says why nothing acknowledged can be lost). A failed step is retried
// with capped backoff, never dropped.
func (c *Center) ingestLoop(ctx context.Context) {
	for {
		var batch []inbound
		select {
		case <-ctx.Done():
			return
		case in := <-c.in:
			batch = append(batch, in)
		}
	fill:
		for len(batch) < c.cfg.BatchMax {
			select {
			case in := <-c.in:
				batch = append(batch, in)
			default:
				break fill
			}
		}
		if !c.retry(ctx, "store received messages", len(batch), func() error { return c.store(ctx, batch) }) ||
			!c.retry(ctx, "sync received messages to disk", len(batch), func() error { return c.db.Sync(ctx) }) {
			return
		}
		for _, in := range batch {
			in.msg.Ack()
		}
	}
}

// retry runs step until it succeeds (true) or ctx ends (false), logging
// each failure and backing off up to 10 s.
func (c *Center) retry(ctx context.Context, what string, n int, step func() error) bool {
	backoff := 100 * time.Millisecond
	for {
		err := step()
		if err == nil {
			return true
		}
		c.cfg.Log.Error(what, "n", n, "err", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return false
		case <-c.cfg.Clock.After(backoff):
		}
		backoff = min(2*backoff, 10*time.Second)
	}
}

// store records a batch in one transaction (committed, not yet fsynced),
// then tells whoever needs to know: the OnAlarm hook (only once the alarm
// is committed), the tick loop (an acknowledgement to send), the console
// (something changed).
func (c *Center) store(ctx context.Context, batch []inbound) error {
	msgs := make([]alarmdb.Message, len(batch))
	now := c.cfg.Clock.Now()
	for i, in := range batch {
		msgs[i] = alarmdb.Message{Event: in.event, Sighting: in.sighting}
		if st := in.status; st != nil {
			msgs[i].Status = &alarmdb.Status{Site: st.Site, State: st.State, At: now}
		}
	}
	res, err := c.db.StoreUnsynced(ctx, msgs)
	if err != nil {
		return err
	}
	if c.resetReplies(ctx, batch) {
		res.Changed = true
	}
	kick := res.Rearmed > 0 // a resent alarm re-armed its acknowledgement
	for _, in := range batch {
		if in.ackReply == nil {
			continue
		}
		changed, err := c.db.RecordAckReply(ctx, *in.ackReply)
		if err != nil {
			return err
		}
		res.Changed = res.Changed || changed
	}
	for _, a := range res.NewAlarms {
		c.cfg.Log.Info("alarm received", "site", a.Site, "alarm", a.ID, "severity", a.Severity, "test", a.Test, "message", a.Message)
		if c.cfg.OnAlarm != nil {
			c.cfg.OnAlarm(a)
		}
		if a.Test {
			// A commissioning test alarm dispatches no one: the center
			// acknowledges it at once, so the technician's `safehubctl
			// alarm test` measures the full round trip to the center and
			// back. It stays listed apart from real alarms.
			if _, err := c.db.Acknowledge(ctx, a.ID, TestAlarmOperator); err != nil {
				c.cfg.Log.Warn("acknowledge test alarm", "alarm", a.ID, "err", err)
				continue
			}
			kick = true
		}
	}
	if kick {
		select {
		case c.kick <- struct{}{}:
		default:
		}
	}
	if res.Changed || len(res.Back) > 0 || res.Stored > 0 {
		c.notify.send()
	}
	return nil
}

// TestAlarmOperator is recorded as the operator who acknowledged a
// commissioning test alarm.
const TestAlarmOperator = "commissioning (automatic)"

// tickLoop marks silent homes offline, sends acknowledgements not yet
// handed to the broker, and asks boxes to replay their gaps.
func (c *Center) tickLoop(ctx context.Context) {
	t := c.cfg.Clock.NewTicker(c.cfg.Tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.Chan():
			c.supervise(ctx)
		case <-c.kick:
		}
		if err := c.sendAcks(ctx); err != nil {
			c.cfg.Log.Warn("send acknowledgements", "err", err)
		}
	}
}

func (c *Center) supervise(ctx context.Context) {
	now := c.cfg.Clock.Now()
	silent, err := c.db.Silence(ctx, now, c.started, c.cfg.HeartbeatLimit)
	if err != nil {
		c.cfg.Log.Error("home supervision", "err", err)
	}
	for _, s := range silent {
		c.cfg.Log.Warn("home offline: silent past its heartbeat limit", "site", s)
	}
	if len(silent) > 0 {
		c.notify.send()
	}
	if err := c.requestGaps(ctx, now); err != nil {
		c.cfg.Log.Warn("request replays", "err", err)
	}
}

func (c *Center) sendAcks(ctx context.Context) error {
	acks, err := c.db.AcksToSend(ctx)
	if err != nil {
		return err
	}
	for _, a := range acks {
		cmd := &protocol.CommandMsg{ID: alarmdb.AckCommandID(a.ID, a.AckAttempt+1), Cmd: protocol.CmdAck, AlarmID: a.ID, Operator: a.AckedBy}
		if err := c.sendCommand(ctx, a.Site, cmd); err != nil {
			return err
		}
		if err := c.db.MarkAckSent(ctx, a.ID, c.cfg.Clock.Now()); err != nil {
			return err
		}
		c.cfg.Log.Info("acknowledgement sent", "site", a.Site, "alarm", a.ID, "operator", a.AckedBy, "id", cmd.ID)
	}
	if len(acks) > 0 {
		c.notify.send()
	}
	return nil
}

// maxReplaysPerGap bounds the replay commands one gap gets per request
// round (each asks for at most protocol.MaxReplay events): a long gap is
// asked for in parts, the rest in later rounds as the first parts fill, so
// one home's gap never holds up the tick loop (acknowledgements, offline
// detection) of the others.
const maxReplaysPerGap = 10

func (c *Center) requestGaps(ctx context.Context, now time.Time) error {
	gaps, err := c.db.GapsToRequest(ctx, now.Add(-c.cfg.GapRetry))
	if err != nil {
		return err
	}
	for _, g := range gaps {
		if g.Found.After(now.Add(-c.cfg.GapGrace)) {
			continue // maybe only reordered: wait for it a little
		}
		for i, from := 0, g.From; i < maxReplaysPerGap; i++ {
			to := g.To
			if to-from >= protocol.MaxReplay { // no overflow: from >= 1
				to = from + protocol.MaxReplay - 1
			}
			cmd := &protocol.CommandMsg{ID: fmt.Sprintf("replay-%d-%d-%d", from, to, now.UnixMilli()), Cmd: protocol.CmdReplay, From: from, To: to}
			if err := c.sendCommand(ctx, g.Site, cmd); err != nil {
				return err
			}
			if to == g.To {
				break
			}
			from = to + 1
		}
		if err := c.db.MarkRequested(ctx, g, now); err != nil {
			return err
		}
		c.cfg.Log.Info("replay requested", "site", g.Site, "from", g.From, "to", g.To)
	}
	return nil
}
