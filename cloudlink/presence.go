package cloudlink

import (
	"context"
	"sync/atomic"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/safehub-iot/safehub/cloudlink/protocol"
)

// The center's presence (docs/protocol.md, "Center status"): the center
// publishes, retained, "online" with a new epoch each time it (re)connects
// and has subscribed. What a box published while the center was away may
// have been accepted by the broker and handed to nobody (a shared
// subscription with no member keeps no queue), so on an epoch it has not yet
// acted on the box sends every unacknowledged alarm again at once, instead
// of waiting for AckResend. The retained message comes again on each of the
// box's own reconnects, with the same epoch: that changes nothing.

// centerWatch carries the latest center status from paho's goroutine to the
// session. Only the latest matters, so a burst (a resumed session's queued
// copies, then the retained one) is one signal.
type centerWatch struct {
	latest atomic.Pointer[[]byte] // the latest payload on the center topic
	sig    chan struct{}          // capacity 1: a new payload is waiting
	// handled counts payloads the session has looked at (tests use it to
	// know the retained status after a reconnect has been seen).
	handled atomic.Int64
}

// subscribeCenter subscribes to the center's status. A failure is not the
// link's: a broker whose ACL predates the topic refuses it, and the box then
// does without the early resend, on AckResend alone.
func (l *Link) subscribeCenter(c mqttClient) {
	tok := c.Subscribe(protocol.CenterStatusTopic, 1, l.onCenter)
	err := waitToken(tok, l.cfg.ConnectTimeout)
	if err == nil && refused(tok, protocol.CenterStatusTopic) {
		err = errSubRefused
	}
	if err != nil {
		l.log.Warn("subscribe to the center's status; unacknowledged alarms wait for the periodic resend", "topic", protocol.CenterStatusTopic, "err", err)
	}
}

// onCenter runs on paho's goroutine: it keeps the payload and signals the
// session, never blocking.
func (l *Link) onCenter(_ paho.Client, m paho.Message) {
	p := append([]byte(nil), m.Payload()...)
	l.center.latest.Store(&p)
	select {
	case l.center.sig <- struct{}{}:
	default: // a signal is already waiting; it will read this payload
	}
}

// centerStatus acts on the latest center status: "online" with an epoch
// other than the last one acted on queues every unacknowledged alarm for
// sending again. The epoch is recorded only once they are queued, so a
// failed store read is retried with the next status (the retained one on
// the next connection).
func (s *sender) centerStatus(ctx context.Context) error {
	l := s.l
	defer l.center.handled.Add(1)
	p := l.center.latest.Load()
	if p == nil || len(*p) == 0 {
		return nil // nothing yet, or a cleared retained status
	}
	m, err := protocol.DecodeCenterStatus(*p)
	if err != nil {
		l.log.Warn("center status refused", "err", err)
		return nil
	}
	if m.State != protocol.Online || m.Epoch == l.centerEpoch {
		return nil
	}
	l.log.Info("center online with a new epoch", "epoch", m.Epoch, "previous", l.centerEpoch, "console", m.ClientID)
	if err := s.queueResends(ctx, l.clock.Now(), "center_online"); err != nil {
		return err
	}
	l.centerEpoch = m.Epoch
	return nil
}
