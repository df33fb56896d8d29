package main

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"net"
	"net/url"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"

	"github.com/safehub-iot/safehub/cloudlink/protocol"
)

// errNoAnswer is a step's error when the broker did not answer in time.
var errNoAnswer = errors.New("no answer in time")

// connackReasons are the CONNACK return codes of MQTT 3.1.1, as the check
// names them.
var connackReasons = map[byte]string{
	1: "unacceptable protocol version",
	2: "client identifier rejected",
	3: "server unavailable",
	4: "bad user name or password",
	5: "not authorised",
}

// mqttSteps runs the MQTT steps of the check over conn, the connection the
// earlier steps opened (TLS already verified): CONNECT, SUBSCRIBE to the
// site's commands and a QoS 1 PUBLISH of a reply. paho speaks MQTT; the
// check reads the CONNACK return code (ConnectToken.ReturnCode) and the
// granted QoS of the SUBACK (SubscribeToken.Result), so a refusal is
// reported exactly. It returns s.fail's result at the first failure, nil
// when every step passed.
func mqttSteps(s *steps, conn net.Conn, deadline time.Time, t checkTarget, host string) []stepResult {
	wc := &watchedConn{Conn: conn}
	clientID := "safehub-" + t.Site + "-" + t.ClientTag
	opts := paho.NewClientOptions().
		AddBroker("tcp://" + conn.RemoteAddr().String()). // only named: the connection is conn
		SetClientID(clientID).
		SetUsername(t.User).
		SetPassword(t.Password).
		SetCleanSession(true). // the check leaves nothing behind
		SetProtocolVersion(4). // MQTT 3.1.1, and no second CONNECT in 3.1 after a refusal
		SetKeepAlive(30 * time.Second).
		SetAutoReconnect(false).
		SetConnectTimeout(time.Until(deadline)).
		SetCustomOpenConnectionFn(func(*url.URL, paho.ClientOptions) (net.Conn, error) { return wc, nil })
	c := paho.NewClient(opts)
	defer c.Disconnect(100)

	ct := c.Connect().(*paho.ConnectToken)
	if !ct.WaitTimeout(time.Until(deadline) + time.Second) {
		return s.fail(stepAuth, "the broker did not answer CONNECT within %s", t.Timeout)
	}
	if ct.ReturnCode() == packets.ErrNetworkError {
		cause := wc.Err()
		if cause == nil {
			cause = ct.Error()
		}
		if step, msg := classifyTLS(cause, host); step != "" {
			return s.fail(step, "%s", msg)
		}
		return s.fail(stepAuth, "the broker closed the connection instead of answering CONNECT (%v): it refused the box's identity", cause)
	}
	if t.TLS != nil && len(t.TLS.Certificates) > 0 && isTLS(conn) {
		s.ok(stepCert, "the broker accepted the box's certificate")
	}
	if code := ct.ReturnCode(); code != packets.Accepted {
		return s.fail(stepAuth, "CONNACK refused the connection: %s (code %d)", connackReasons[code], code)
	}
	s.ok(stepAuth, "connected as client %s", clientID)

	cmdTopic, err := protocol.Topic(t.Site, protocol.Cmd)
	if err != nil {
		return s.fail(stepACLSub, "site %q: %v", t.Site, err)
	}
	st := c.Subscribe(cmdTopic, 1, nil).(*paho.SubscribeToken)
	if err := wait(st, deadline, wc); err != nil {
		return s.fail(stepACLSub, "subscribe to %s: the broker closed the connection (%v)", cmdTopic, err)
	}
	if qos, found := st.Result()[cmdTopic]; !found || qos == 0x80 {
		return s.fail(stepACLSub, "subscribe to %s refused (SUBACK 0x80): the broker's ACL does not let this identity read the site's commands (does the certificate's CN match --site %s?)", cmdTopic, t.Site)
	}
	s.ok(stepACLSub, "may read %s", cmdTopic)

	replyTopic, _ := protocol.Topic(t.Site, protocol.Reply)
	payload, _ := json.Marshal(protocol.ReplyMsg{V: protocol.Version, Site: t.Site, ID: "provision-check", OK: true, Time: time.Now().UTC()})
	if err := wait(c.Publish(replyTopic, 1, false, payload), deadline, wc); err != nil {
		return s.fail(stepACLPub, "publish to %s not permitted: the broker closed the connection instead of acknowledging (%v)", replyTopic, err)
	}
	s.ok(stepACLPub, "may write %s", replyTopic)
	return nil
}

// wait waits for tok until deadline and returns why it failed: the
// connection's own error when it has one (paho says only that the
// connection was lost), else the token's.
func wait(tok paho.Token, deadline time.Time, wc *watchedConn) error {
	if !tok.WaitTimeout(time.Until(deadline)) {
		return errNoAnswer
	}
	if tok.Error() == nil {
		return nil
	}
	if err := wc.Err(); err != nil {
		return err
	}
	return tok.Error()
}

func isTLS(c net.Conn) bool {
	_, ok := c.(*tls.Conn)
	return ok
}

// watchedConn keeps the first error a read or a write met, so a failed
// step can say why the broker went away.
type watchedConn struct {
	net.Conn
	mu  sync.Mutex
	err error
}

func (c *watchedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.keep(err)
	return n, err
}

func (c *watchedConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.keep(err)
	return n, err
}

func (c *watchedConn) keep(err error) {
	if err == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
	}
}

// Err is the first error a read or write met, nil if none.
func (c *watchedConn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}
