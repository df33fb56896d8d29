// The connect loop: brokers dialed in turn with capped, jittered backoff, a
// fresh client per connection subscribed to commands and the center's status,
// the outbox still bounded while down, and the offline status on a clean stop.

package cloudlink

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/safehub-iot/safehub/cloudlink/protocol"
)

func (l *Link) connectLoop(ctx context.Context) {
	idx, failures := 0, 0
	for ctx.Err() == nil {
		broker := l.cfg.Brokers[idx%len(l.cfg.Brokers)]
		cn, err := l.dial(ctx, broker)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			idx++ // the next broker in turn
			d := l.backoff(failures)
			l.log.Warn("connect failed", "broker", broker, "err", err, "retry_in", d.Round(time.Millisecond))
			l.idle(ctx, d)
			continue
		}
		failures = 0
		l.setUp(broker)
		l.log.Info("connected", "broker", broker)
		l.cur.Store(cn)
		err = l.session(ctx, cn)
		l.cur.Store(nil)
		l.setDown()
		if ctx.Err() != nil {
			l.goodbye(cn)
			return
		}
		cn.c.Disconnect(0)
		l.log.Warn("connection lost", "broker", broker, "err", err)
		failures = 1
		l.idle(ctx, l.backoff(failures))
	}
}

// backoff is the wait after the n-th failure in a row: doubling from
// MinBackoff, capped at MaxBackoff, with jitter in [d/2, d].
func (l *Link) backoff(n int) time.Duration {
	d := l.cfg.MinBackoff
	for i := 1; i < n && d < l.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, l.cfg.MaxBackoff)
	return d/2 + rand.N(d/2+1)
}

// idle waits d while the link is down, still bounding the outbox.
func (l *Link) idle(ctx context.Context, d time.Duration) {
	l.bound(ctx)
	t := l.clock.NewTimer(d)
	defer t.Stop()
	poll := l.clock.NewTicker(l.cfg.Poll)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.Chan():
			return
		case <-poll.Chan():
			l.bound(ctx)
		case _, ok := <-l.deps.Wake:
			if !ok {
				l.deps.Wake = nil
			}
		}
	}
}

// dial connects to one broker with a fresh client, subscribes to commands
// and to the center's status, and publishes the retained online status.
func (l *Link) dial(ctx context.Context, broker string) (*conn, error) {
	now := l.clock.Now()
	will, err := protocol.Encode(&protocol.StatusMsg{Site: l.cfg.Site, State: protocol.Offline, Time: now.UTC(), Version: l.cfg.Version, Reason: "connection_lost"})
	if err != nil {
		return nil, err
	}
	cn := &conn{broker: broker, lost: make(chan struct{})}
	var once sync.Once
	onLost := func() { once.Do(func() { close(cn.lost) }) }
	cn.c = l.newClient(l.clientOptions(broker, will, onLost, l.onMessage))
	tok := cn.c.Connect()
	select {
	case <-tok.Done():
	case <-ctx.Done():
		go cn.c.Disconnect(0)
		return nil, ctx.Err()
	}
	if err := tok.Error(); err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	if err := waitToken(cn.c.Subscribe(l.topics.cmd, 1, l.onCmd), l.cfg.ConnectTimeout); err != nil {
		cn.c.Disconnect(0)
		return nil, fmt.Errorf("subscribe %s: %w", l.topics.cmd, err)
	}
	l.subscribeCenter(cn.c)
	online, err := protocol.Encode(&protocol.StatusMsg{Site: l.cfg.Site, State: protocol.Online, Time: now.UTC(), Version: l.cfg.Version})
	if err != nil {
		return nil, err
	}
	if err := waitToken(cn.c.Publish(l.topics.status, 1, true, online), l.cfg.ConnectTimeout); err != nil {
		cn.c.Disconnect(0)
		return nil, fmt.Errorf("publish online status: %w", err)
	}
	return cn, nil
}

// onMessage is the client's default handler: messages a resumed session
// delivers before dial has subscribed (and registered the handlers) come
// here, and go to the handler of their topic.
func (l *Link) onMessage(c paho.Client, m paho.Message) {
	if m.Topic() == protocol.CenterStatusTopic {
		l.onCenter(c, m)
		return
	}
	l.onCmd(c, m)
}

// goodbye publishes the offline status on a clean stop and disconnects.
func (l *Link) goodbye(cn *conn) {
	off, err := protocol.Encode(&protocol.StatusMsg{Site: l.cfg.Site, State: protocol.Offline, Time: l.clock.Now().UTC(), Version: l.cfg.Version, Reason: "shutdown"})
	if err == nil {
		if err := waitToken(cn.c.Publish(l.topics.status, 1, true, off), 2*time.Second); err != nil {
			l.log.Warn("publish offline status", "err", err)
		}
	}
	cn.c.Disconnect(250)
}
