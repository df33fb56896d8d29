package center

import (
	"strings"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/safehub-iot/safehub/cloudlink/protocol"
)

// Leaving the share group on a clean stop. Mosquitto (2.0.11, measured in
// restart_test.go) hands a shared group's messages round-robin to every
// member with a persistent session, connected or not: a console that
// stopped while still subscribed would hold every n-th alarm in its queue
// until it returns. So a console stopping cleanly first unsubscribes its
// shared filters, then stores and acknowledges what it has already
// received, and only then disconnects. What a crash strands, and what the
// operator does about it, is in docs/protocol.md ("No alarm lost to an
// absent center").

// drainMax bounds how long a clean stop waits for the messages received
// before it left the share group to be stored; drainQuiet is how long
// nothing may be outstanding before it goes (a message the broker sent
// before its UNSUBACK may still be on its way through paho's router).
const (
	drainMax   = 5 * time.Second
	drainQuiet = 100 * time.Millisecond
)

// shared reports whether the center receives channel ch through its
// share group.
func (c *Center) shared(ch protocol.Channel) bool {
	return c.cfg.ShareGroup != "-" && ch != protocol.Status && ch != protocol.Heartbeat
}

// held counts the messages of the share group handed to the ingest loop
// and not yet acknowledged. (Status and heartbeat, on plain subscriptions
// that stay, keep arriving: the broker keeps those for this console's
// session, and every console receives them anyway.)
type held struct{ n atomic.Int64 }

// heldMsg is a received message that leaves the count when acknowledged.
type heldMsg struct {
	paho.Message
	held *held
}

func (m heldMsg) Ack() {
	m.Message.Ack()
	m.held.n.Add(-1)
}

// leaveGroup unsubscribes the center's shared filters, so the broker hands
// the group's messages to the consoles that remain, and waits until what
// it received before is stored and acknowledged. A center on its embedded
// broker, or not sharing, has no group to leave.
func (c *Center) leaveGroup() {
	if c.broker != nil || c.cfg.ShareGroup == "-" {
		return
	}
	var shared []string // the filters shared() selects
	for _, f := range c.filters() {
		if strings.HasPrefix(f, "$share/") {
			shared = append(shared, f)
		}
	}
	t := c.mq.Unsubscribe(shared...)
	switch {
	case !t.WaitTimeout(2 * time.Second):
		c.cfg.Log.Warn("leave the share group: no UNSUBACK within 2 s; the broker may queue a share for this console until it returns", "group", c.cfg.ShareGroup)
	case t.Error() != nil:
		c.cfg.Log.Warn("leave the share group; the broker may queue a share for this console until it returns", "group", c.cfg.ShareGroup, "err", t.Error())
	}
	deadline := time.Now().Add(drainMax)
	quietSince := time.Now()
	for time.Now().Before(deadline) {
		if c.held.n.Load() > 0 {
			quietSince = time.Now()
		} else if time.Since(quietSince) >= drainQuiet {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.cfg.Log.Warn("stopping with received messages not yet stored; the broker delivers them again when this console returns",
		"n", c.held.n.Load(), "client_id", c.cfg.ClientID)
}
