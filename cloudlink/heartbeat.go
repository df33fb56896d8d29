// The heartbeat: the box's uptime, outbox figures and sensor health, published
// at QoS 0 on every interval.

package cloudlink

import (
	"context"
	"sort"
	"time"

	"github.com/safehub-iot/safehub/cloudlink/protocol"
)

// sendHeartbeat publishes the heartbeat (QoS 0: the next one replaces it).
func (l *Link) sendHeartbeat(ctx context.Context, cn *conn) {
	now := l.clock.Now()
	hb := protocol.HeartbeatMsg{
		Site: l.cfg.Site, Time: now.UTC(), Version: l.cfg.Version,
		UptimeS:   int64(now.Sub(l.started) / time.Second),
		IntervalS: int(time.Duration(l.heartbeat.Load()) / time.Second),
		Sensors:   []protocol.SensorHealth{},
	}
	st := l.deps.Store
	var err error
	if hb.LastSeq, err = st.LastSeq(ctx); err != nil {
		l.log.Error("heartbeat", "err", err)
	}
	n, oldest, err := st.OutboxDepth(ctx)
	if err != nil {
		l.log.Error("heartbeat", "err", err)
	}
	hb.OutboxDepth = n
	if n > 0 && !oldest.IsZero() {
		hb.OldestUnsentS = max(0, int64(now.Sub(oldest)/time.Second))
	}
	if hb.UnackedAlarms, err = st.CountUnacked(ctx); err != nil {
		l.log.Error("heartbeat", "err", err)
	}
	hb.Sensors = l.sensorHealth()
	payload, err := protocol.Encode(&hb)
	if err != nil {
		l.log.Error("encode heartbeat", "err", err)
		return
	}
	cn.c.Publish(l.topics.heartbeat, 0, false, payload)
	l.mu.Lock()
	l.state.LastHeartbeat = now
	l.mu.Unlock()
}

func (l *Link) sensorHealth() []protocol.SensorHealth {
	out := []protocol.SensorHealth{}
	if l.deps.Health == nil {
		return out
	}
	for _, h := range l.deps.Health.Health() {
		out = append(out, protocol.SensorHealth{ID: h.ID, Kind: h.Kind, Room: h.Room, Health: h.Health, Reason: h.Reason, LastSeen: h.LastSeen})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
