// Keeping the outbox's promises while the link runs: alarms the center has not
// acknowledged are queued to be sent again, and the outbox is bounded by
// evicting the oldest telemetry (never alarms), with a notice of the loss.

package cloudlink

import (
	"context"
	"fmt"
	"time"

	"github.com/safehub-iot/safehub/event"
)

// loadResends queues alarms the center has not acknowledged within
// AckResend of their last send.
func (s *sender) loadResends(ctx context.Context) error {
	return s.queueResends(ctx, s.l.clock.Now().Add(-s.l.cfg.AckResend), "ack_resend")
}

// queueResends queues alarms the center has not acknowledged that were
// last sent at or before before (up to 1,000), skipping those already
// queued or in flight.
func (s *sender) queueResends(ctx context.Context, before time.Time, why string) error {
	l := s.l
	due, err := l.deps.Store.ResendDue(ctx, before, 1000)
	if err != nil {
		return fmt.Errorf("read alarms to resend: %w", err)
	}
	queued := make(map[int64]bool, len(s.resends))
	for _, ev := range s.resends {
		queued[ev.Seq] = true
	}
	n := 0
	for _, ev := range due {
		if !s.inSet[ev.Seq] && !queued[ev.Seq] {
			s.resends = append(s.resends, ev)
			n++
		}
	}
	if n > 0 {
		l.log.Info("resending alarms the center has not acknowledged", "count", n, "why", why)
	}
	return nil
}

// bound keeps the outbox within OutboxMax, evicting the oldest telemetry,
// and records the loss as an event of its own, leaving room for it. While
// one such notice is still waiting, further evictions are only counted, so
// a full outbox cannot fill itself with notices.
func (l *Link) bound(ctx context.Context) {
	top := l.deps.Store.Committed()
	if top == l.boundTop {
		return // nothing committed since the outbox was last within bounds
	}
	depth, _, err := l.deps.Store.OutboxDepth(ctx)
	if err != nil {
		l.log.Error("bound outbox", "err", err)
		return
	}
	if depth <= l.cfg.OutboxMax {
		if depth < l.cfg.OutboxMax {
			l.overflowNoticed = false
		}
		l.boundTop = top
		return
	}
	n, err := l.deps.Store.EvictTelemetry(ctx, l.cfg.OutboxMax-1)
	if err != nil {
		l.log.Error("bound outbox", "err", err)
		return
	}
	if n == 0 {
		return // only alarms left: they are never evicted
	}
	l.evicted += n
	l.log.Warn("outbox full: oldest telemetry evicted", "evicted", n, "max", l.cfg.OutboxMax)
	if l.overflowNoticed {
		return
	}
	ev := &event.Event{
		Kind: event.InfoEvent, Severity: event.Medium, Time: l.clock.Now(), Rule: "outbox_overflow",
		Message: fmt.Sprintf("outbox full: %d oldest telemetry events not sent", l.evicted),
		Values:  map[string]float64{"evicted": float64(l.evicted), "outbox_max": float64(l.cfg.OutboxMax)},
	}
	if err := l.deps.Store.Append(ctx, ev); err != nil {
		l.log.Error("record outbox overflow", "err", err)
		return
	}
	l.evicted, l.overflowNoticed = 0, true
}
