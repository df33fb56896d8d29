package center

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/safehub-iot/safehub/center/alarmdb"
	"github.com/safehub-iot/safehub/center/broker"
	"github.com/safehub-iot/safehub/cloudlink/protocol"
)

// inbound is one decoded message on its way to the ingest loop. msg is
// acknowledged to the broker only after what it carries is stored.
type inbound struct {
	msg      paho.Message
	event    *alarmdb.Incoming
	sighting *alarmdb.Sighting
	status   *protocol.StatusMsg
	ackReply *alarmdb.AckReply  // a box's answer to an acknowledgement
	reply    *protocol.ReplyMsg // a reply to a reset (reset.go)
}

// reconnectMax caps the wait between the center's reconnection attempts.
// The center is one client and should be back before the boxes (whose
// backoff reaches 20 s): what boxes publish before it has resubscribed
// reaches nobody on a shared subscription and comes only with their resend
// on its presence (announce).
const reconnectMax = 2 * time.Second

// connect connects the center's MQTT client: a persistent session, so the
// broker keeps QoS 1 messages while the center is down, and manual
// acknowledgement, so a message is acknowledged only once stored. On every
// (re)connect it subscribes and then announces itself to the boxes.
//
// The message handler is in place before CONNECT, as the default handler
// for every topic: a resumed session's queued messages follow the CONNACK
// at once, before the OnConnect handler can have subscribed, and paho
// drops (never acknowledges) a message no handler takes. Unacknowledged,
// they would fill the broker's in-flight window for the session
// (max_inflight_messages) and the center would receive nothing more.
func (c *Center) connect(ctx context.Context, password string) error {
	will, err := c.centerStatus(protocol.Offline, "", "connection_lost")
	if err != nil {
		return err
	}
	opts := paho.NewClientOptions().AddBroker(c.brokerURL).
		SetClientID(c.cfg.ClientID).SetUsername(broker.CenterUser).SetPassword(password).
		SetCleanSession(false).SetAutoAckDisabled(true).SetOrderMatters(true).
		SetAutoReconnect(true).SetMaxReconnectInterval(reconnectMax).
		SetConnectRetry(true).SetConnectRetryInterval(reconnectMax).
		SetKeepAlive(30*time.Second).SetConnectTimeout(10*time.Second).
		SetBinaryWill(protocol.CenterStatusTopic, will, 1, true).
		SetTLSConfig(c.cfg.ClientTLS).
		SetDefaultPublishHandler(c.onMessage)
	subscribed := make(chan struct{})
	var once sync.Once
	opts.SetOnConnectHandler(func(cl paho.Client) {
		// paho runs this on a goroutine of its own: it may wait.
		if err := c.subscribe(cl); err != nil {
			c.cfg.Log.Error("mqtt subscribe failed; not announcing the center", "err", err)
		} else {
			c.announce(cl)
		}
		c.cfg.Log.Info("connected to broker", "url", c.brokerURL)
		once.Do(func() { close(subscribed) })
	})
	opts.SetConnectionLostHandler(func(_ paho.Client, err error) {
		c.cfg.Log.Warn("broker connection lost", "err", err)
	})
	c.mq = paho.NewClient(opts)
	tok := c.mq.Connect()
	select {
	case <-tok.Done():
	case <-ctx.Done():
		return fmt.Errorf("center: connect to %s: %w", c.brokerURL, ctx.Err())
	}
	if err := tok.Error(); err != nil {
		return fmt.Errorf("center: connect to %s: %w", c.brokerURL, err)
	}
	// Start returns once subscribed: from then on the broker keeps every
	// message for the center's session.
	select {
	case <-subscribed:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("center: subscribe at %s: %w", c.brokerURL, ctx.Err())
	}
}

// subscribe subscribes to every home's channels and returns once the
// broker has confirmed each (a SUBACK granting it), or the first failure.
// Messages arrive on the default handler (connect), so no filter gets a
// route of its own.
func (c *Center) subscribe(cl paho.Client) error {
	var errs []error
	for _, f := range c.filters() {
		t := cl.Subscribe(f, 1, nil)
		switch {
		case !t.WaitTimeout(10 * time.Second):
			errs = append(errs, fmt.Errorf("subscribe %s: no SUBACK within 10 s", f))
		case t.Error() != nil:
			errs = append(errs, fmt.Errorf("subscribe %s: %w", f, t.Error()))
		case refused(t):
			errs = append(errs, fmt.Errorf("subscribe %s: refused by the broker", f))
		}
	}
	return errors.Join(errs...)
}

// filters are the center's subscriptions: alarm, event and reply through
// the share group unless it is "-"; status and heartbeat never, because
// every console needs every home's state and retained status messages are
// not sent to shared subscriptions.
func (c *Center) filters() []string {
	var fs []string
	for _, ch := range []protocol.Channel{protocol.Alarm, protocol.Event, protocol.Reply, protocol.Status, protocol.Heartbeat} {
		f := protocol.Filter(ch)
		if c.shared(ch) {
			f = "$share/" + c.cfg.ShareGroup + "/" + f
		}
		fs = append(fs, f)
	}
	return fs
}

// refused reports whether a completed subscribe token of one filter
// carries the broker's refusal (SUBACK 0x80); paho reports it nowhere
// else. paho keys the result by the filter without its "$share/<group>/"
// prefix, so the one result is read whatever its key.
func refused(t paho.Token) bool {
	st, ok := t.(*paho.SubscribeToken)
	if !ok {
		return false
	}
	for _, code := range st.Result() {
		if code == 0x80 {
			return true
		}
	}
	return false
}

// announce publishes the center's presence, retained: "online" with a new
// epoch, so every box sends again at once the alarms the center has not
// acknowledged (docs/protocol.md, "Center status"). Called only once the
// subscriptions are confirmed, so whatever the boxes send now arrives.
func (c *Center) announce(cl paho.Client) {
	epoch := c.cfg.Clock.Now().UTC().Format("20060102T150405.000Z") + "-" + randomToken()[:8]
	payload, err := c.centerStatus(protocol.Online, epoch, "")
	if err != nil {
		c.cfg.Log.Error("announce the center", "err", err)
		return
	}
	t := cl.Publish(protocol.CenterStatusTopic, 1, true, payload)
	switch {
	case !t.WaitTimeout(10 * time.Second):
		c.cfg.Log.Error("announce the center: no PUBACK within 10 s", "epoch", epoch)
	case t.Error() != nil:
		c.cfg.Log.Error("announce the center", "epoch", epoch, "err", t.Error())
	default:
		c.cfg.Log.Info("center announced to the boxes", "epoch", epoch)
	}
}

// goodbye takes a clean stop's leave of the broker: the center leaves its
// share group (share.go), then replaces the retained presence with
// "offline" (the broker discards the last will on a clean disconnect).
func (c *Center) goodbye() {
	if !c.mq.IsConnectionOpen() {
		return
	}
	c.leaveGroup()
	payload, err := c.centerStatus(protocol.Offline, "", "shutdown")
	if err != nil {
		return
	}
	t := c.mq.Publish(protocol.CenterStatusTopic, 1, true, payload)
	switch {
	case !t.WaitTimeout(2 * time.Second):
		c.cfg.Log.Warn("publish the center's offline status: no PUBACK within 2 s")
	case t.Error() != nil:
		c.cfg.Log.Warn("publish the center's offline status", "err", t.Error())
	}
}

func (c *Center) centerStatus(state, epoch, reason string) ([]byte, error) {
	b, err := protocol.Encode(&protocol.CenterStatusMsg{State: state, Epoch: epoch, Time: c.cfg.Clock.Now().UTC(), ClientID: c.cfg.ClientID, Reason: reason})
	if err != nil {
		return nil, fmt.Errorf("center: encode center status: %w", err)
	}
	return b, nil
}

// onMessage decodes a message and queues it for the ingest loop. A message
// that fails to decode is logged with the field at fault and acknowledged:
// sending it again would not make it valid.
func (c *Center) onMessage(_ paho.Client, m paho.Message) {
	in, err := c.decode(m)
	if err != nil {
		c.cfg.Log.Warn("mqtt message refused", "topic", m.Topic(), "err", err)
		m.Ack()
		return
	}
	if in == nil {
		m.Ack()
		return
	}
	if _, ch, _ := protocol.ParseTopic(m.Topic()); c.shared(ch) {
		c.held.n.Add(1) // a clean stop waits for it (share.go)
		in.msg = heldMsg{Message: m, held: &c.held}
	}
	c.in <- *in
}

func (c *Center) decode(m paho.Message) (*inbound, error) {
	site, ch, err := protocol.ParseTopic(m.Topic())
	if err != nil {
		return nil, err
	}
	now := c.cfg.Clock.Now()
	in := &inbound{msg: m}
	switch ch {
	case protocol.Alarm, protocol.Event:
		ev, err := protocol.DecodeEvent(m.Payload())
		if err != nil {
			return nil, err
		}
		if ev.Site != site {
			return nil, &protocol.FieldError{Field: "site", Msg: fmt.Sprintf("%q on the topic of site %q", ev.Site, site), Err: protocol.ErrInvalid}
		}
		in.event = &alarmdb.Incoming{Site: site, Event: ev.Event(), Received: now}
		in.sighting = &alarmdb.Sighting{Site: site, At: now}
	case protocol.Heartbeat:
		hb, err := protocol.DecodeHeartbeat(m.Payload())
		if err != nil {
			return nil, err
		}
		if hb.Site != site {
			return nil, &protocol.FieldError{Field: "site", Msg: fmt.Sprintf("%q on the topic of site %q", hb.Site, site), Err: protocol.ErrInvalid}
		}
		limit := time.Duration(hb.IntervalS) * time.Second * 5 / 2
		in.sighting = &alarmdb.Sighting{Site: site, At: now, HeartbeatLimit: limit, LastSeq: hb.LastSeq, OutboxDepth: hb.OutboxDepth}
	case protocol.Status:
		if len(m.Payload()) == 0 {
			return nil, nil // a cleared retained status
		}
		st, err := protocol.DecodeStatus(m.Payload())
		if err != nil {
			return nil, err
		}
		if st.Site != site {
			return nil, &protocol.FieldError{Field: "site", Msg: fmt.Sprintf("%q on the topic of site %q", st.Site, site), Err: protocol.ErrInvalid}
		}
		in.status = &st
	case protocol.Reply:
		r, err := protocol.DecodeReply(m.Payload())
		if err != nil {
			return nil, err
		}
		if !r.OK {
			c.cfg.Log.Warn("box refused a command", "site", site, "id", r.ID, "cmd", r.Cmd, "code", r.Code, "err", r.Error)
		}
		if alarm, n, ok := alarmdb.ParseAckCommandID(r.ID); ok && r.Cmd == protocol.CmdAck {
			in.ackReply = &alarmdb.AckReply{Site: site, AlarmID: alarm, Attempt: n, OK: r.OK, Reason: r.Code + ": " + r.Error, At: now}
		}
		in.sighting = &alarmdb.Sighting{Site: site, At: now}
		if r.Cmd == protocol.CmdReset {
			in.reply = &r
		}
	default:
		return nil, fmt.Errorf("center: unexpected channel %q", ch)
	}
	return in, nil
}

// sendCommand publishes a command to a box and waits until the broker has it.
func (c *Center) sendCommand(ctx context.Context, site string, cmd *protocol.CommandMsg) error {
	topic, err := protocol.Topic(site, protocol.Cmd)
	if err != nil {
		return err
	}
	cmd.Time = c.cfg.Clock.Now().UTC()
	payload, err := protocol.Encode(cmd)
	if err != nil {
		return fmt.Errorf("center: encode %s command: %w", cmd.Cmd, err)
	}
	tok := c.mq.Publish(topic, 1, false, payload)
	select {
	case <-tok.Done():
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(10 * time.Second):
		return errors.New("center: publish command: timeout")
	}
	if err := tok.Error(); err != nil {
		return fmt.Errorf("center: publish %s command to %s: %w", cmd.Cmd, site, err)
	}
	return nil
}
