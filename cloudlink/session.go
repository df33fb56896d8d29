// One connection's publishing session: the sender's window of events in
// flight, filled from the outbox or straight from the pipeline's wake-ups,
// and the PUBACKs recorded back in the outbox.

package cloudlink

import (
	"context"
	"errors"
	"fmt"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/safehub-iot/safehub/cloudlink/protocol"
	"github.com/safehub-iot/safehub/event"
)

var errLost = errors.New("connection lost")

// flight is a published event waiting for its PUBACK.
type flight struct {
	ev     event.Event
	tok    paho.Token
	resend bool
}

// sender is the state of one connection's publishing loop. It is owned by
// the session goroutine.
type sender struct {
	l        *Link
	cn       *conn
	inflight []flight // FIFO: PUBACKs come back in publish order
	inSet    map[int64]bool
	queue    []event.Event // fetched from the outbox, not yet published
	resends  []event.Event // unacknowledged alarms to send again
	dirty    bool          // the outbox may hold more than queue
	// known is the highest seq such that every event up to it is
	// published, evicted, in flight or queued.
	known int64
}

// woken handles a committed event from the pipeline. The common case, the
// next event in sequence with nothing else waiting, is sent without reading
// the store back; anything else (a gap: an event the pipeline's channel
// dropped, or one committed by someone else) makes the sender fetch afresh,
// which also lets a new alarm overtake queued telemetry.
func (s *sender) woken(ev event.Event) {
	if !s.dirty && len(s.queue) == 0 && ev.Seq == s.known+1 {
		s.queue = append(s.queue, ev)
		s.known = ev.Seq
		return
	}
	if ev.Seq > s.known {
		s.queue, s.dirty = nil, true
	}
}

// session publishes from the outbox over one connection until it is lost
// or ctx is done.
func (l *Link) session(ctx context.Context, cn *conn) error {
	s := &sender{l: l, cn: cn, inSet: map[int64]bool{}, dirty: true}
	poll := l.clock.NewTicker(l.cfg.Poll)
	defer poll.Stop()
	hb := l.clock.NewTicker(time.Duration(l.heartbeat.Load()))
	defer hb.Stop()
	resend := l.clock.NewTicker(l.cfg.AckResend)
	defer resend.Stop()

	l.sendHeartbeat(ctx, cn)
	if err := s.loadResends(ctx); err != nil {
		return err
	}
	for {
		if err := s.fill(ctx); err != nil {
			return err
		}
		var headDone <-chan struct{}
		if len(s.inflight) > 0 {
			headDone = s.inflight[0].tok.Done()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-cn.lost:
			return errLost
		case ev, ok := <-l.deps.Wake:
			if !ok {
				l.deps.Wake = nil
				continue
			}
			s.woken(ev)
		case <-headDone:
			if err := s.collect(ctx); err != nil {
				return err
			}
		case <-poll.Chan():
			if s.caughtUp() {
				continue // nothing committed since: no query at all
			}
			l.bound(ctx)
			if len(s.queue) == 0 {
				s.dirty = true
			}
		case <-resend.Chan():
			if err := s.loadResends(ctx); err != nil {
				return err
			}
		case <-l.center.sig:
			if err := s.centerStatus(ctx); err != nil {
				return err
			}
		case <-hb.Chan():
			l.sendHeartbeat(ctx, cn)
		case <-l.hbReset:
			hb.Reset(time.Duration(l.heartbeat.Load()))
		}
	}
}

// fill publishes until MaxInflight events are in flight or nothing is left.
func (s *sender) fill(ctx context.Context) error {
	l := s.l
	for len(s.inflight) < l.cfg.MaxInflight {
		var ev event.Event
		resend := false
		switch {
		case len(s.resends) > 0:
			ev, s.resends, resend = s.resends[0], s.resends[1:], true
		default:
			if len(s.queue) == 0 && s.dirty {
				if err := s.fetch(ctx); err != nil {
					return err
				}
			}
			if len(s.queue) == 0 {
				return nil
			}
			ev, s.queue = s.queue[0], s.queue[1:]
		}
		if s.inSet[ev.Seq] {
			continue
		}
		m := protocol.NewEventMsg(l.cfg.Site, ev, l.clock.Now())
		m.Resent = resend
		payload, err := protocol.Encode(&m)
		if err != nil {
			return fmt.Errorf("encode event %d: %w", ev.Seq, err)
		}
		topic := l.topics.event
		if protocol.ChannelOf(ev.Kind) == protocol.Alarm {
			topic = l.topics.alarm
		}
		tok := s.cn.c.Publish(topic, 1, false, payload)
		s.inflight = append(s.inflight, flight{ev: ev, tok: tok, resend: resend})
		s.inSet[ev.Seq] = true
	}
	return nil
}

// caughtUp reports that everything committed has been published: nothing
// queued or in flight, and no commit beyond the highest seq the sender
// has accounted for.
func (s *sender) caughtUp() bool {
	return !s.dirty && len(s.queue) == 0 && len(s.inflight) == 0 && s.l.deps.Store.Committed() <= s.known
}

func (s *sender) fetch(ctx context.Context) error {
	limit := s.l.cfg.MaxInflight + 64
	// Every event up to top was committed before the query starts, so
	// the query sees it unless it is published, evicted or in flight.
	top := s.l.deps.Store.Committed()
	evs, err := s.l.deps.Store.Pending(ctx, limit)
	if err != nil {
		return fmt.Errorf("read outbox: %w", err)
	}
	s.dirty = len(evs) == limit
	s.queue = s.queue[:0]
	for _, ev := range evs {
		if !s.inSet[ev.Seq] {
			s.queue = append(s.queue, ev)
		}
		if !s.dirty {
			s.known = max(s.known, ev.Seq)
		}
	}
	if !s.dirty {
		s.known = max(s.known, top)
		for _, f := range s.inflight {
			s.known = max(s.known, f.ev.Seq)
		}
	}
	return nil
}

// collect takes every completed publish off the head of the window and
// records the PUBACKs in the outbox, in one transaction.
func (s *sender) collect(ctx context.Context) error {
	l := s.l
	var done, resent []int64
	var delivered []event.Event
	var failed error
	for len(s.inflight) > 0 && isDone(s.inflight[0].tok) {
		f := s.inflight[0]
		if err := f.tok.Error(); err != nil {
			// No PUBACK: the event stays in the outbox and the next
			// connection sends it again.
			failed = fmt.Errorf("publish event %d: %w", f.ev.Seq, err)
			break
		}
		s.inflight = s.inflight[1:]
		delete(s.inSet, f.ev.Seq)
		if f.resend {
			resent = append(resent, f.ev.Seq)
			continue
		}
		done = append(done, f.ev.Seq)
		if f.ev.Kind.IsAlarm() {
			delivered = append(delivered, f.ev)
		}
	}
	now := l.clock.Now()
	if err := l.deps.Store.MarkPublished(ctx, now, done...); err != nil {
		return fmt.Errorf("record PUBACKs: %w", err)
	}
	if err := l.deps.Store.MarkResent(ctx, now, resent...); err != nil {
		return fmt.Errorf("record resends: %w", err)
	}
	if l.deps.OnDelivered != nil {
		for _, ev := range delivered {
			l.deps.OnDelivered(ev)
		}
	}
	if len(s.queue) == 0 && l.deps.Store.Committed() > s.known {
		s.dirty = true
	}
	return failed
}

func isDone(t paho.Token) bool {
	select {
	case <-t.Done():
		return true
	default:
		return false
	}
}
