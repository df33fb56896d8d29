package cloudlink

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// mqttClient is the part of paho the link uses. Each connection gets a new
// client: paho's own session store and reconnect logic are not used, so a
// token left over from a lost connection can never be mistaken for a
// delivery. The outbox is the truth.
type mqttClient interface {
	Connect() paho.Token
	Publish(topic string, qos byte, retained bool, payload any) paho.Token
	Subscribe(topic string, qos byte, cb paho.MessageHandler) paho.Token
	Disconnect(quiesceMs uint)
}

// newClientFunc builds a client from options; tests swap it for a fake to
// produce failures a broker cannot produce on demand.
type newClientFunc func(*paho.ClientOptions) mqttClient

func newPahoClient(o *paho.ClientOptions) mqttClient { return paho.NewClient(o) }

// secrets are read once in New.
type secrets struct {
	tls      *tls.Config
	password string
}

func loadSecrets(c Config) (secrets, error) {
	var s secrets
	if c.CAFile != "" || c.CertFile != "" {
		tc := &tls.Config{MinVersion: tls.VersionTLS12}
		if c.CAFile != "" {
			pem, err := os.ReadFile(c.CAFile)
			if err != nil {
				return s, fmt.Errorf("cloud.ca_file: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return s, fmt.Errorf("cloud.ca_file: %s holds no PEM certificate", c.CAFile)
			}
			tc.RootCAs = pool
		}
		if c.CertFile != "" {
			cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
			if err != nil {
				return s, fmt.Errorf("cloud.cert_file/key_file: %w", err)
			}
			tc.Certificates = []tls.Certificate{cert}
		}
		s.tls = tc
	}
	if c.PasswordFile != "" {
		b, err := os.ReadFile(c.PasswordFile)
		if err != nil {
			return s, fmt.Errorf("cloud.password_file: %w", err)
		}
		s.password = strings.TrimRight(string(b), "\r\n")
	}
	return s, nil
}

// clientOptions builds paho's options for one connection attempt to one
// broker. onMsg handles what arrives before a subscription registers its
// own handler (a resumed session's queued messages).
func (l *Link) clientOptions(broker string, will []byte, onLost func(), onMsg paho.MessageHandler) *paho.ClientOptions {
	o := paho.NewClientOptions().
		AddBroker(broker).
		SetClientID(l.cfg.ClientID).
		SetCleanSession(false). // the broker keeps our cmd subscription and queued commands
		SetAutoReconnect(false).
		SetConnectRetry(false).
		SetKeepAlive(l.cfg.Keepalive).
		SetPingTimeout(l.cfg.Keepalive/2).
		SetConnectTimeout(l.cfg.ConnectTimeout).
		SetWriteTimeout(l.cfg.ConnectTimeout).
		SetOrderMatters(true). // our handler only queues, so it never blocks paho
		SetBinaryWill(l.topics.status, will, 1, true).
		SetDefaultPublishHandler(onMsg).
		SetConnectionLostHandler(func(paho.Client, error) { onLost() })
	if l.cfg.Username != "" {
		o.SetUsername(l.cfg.Username).SetPassword(l.secrets.password)
	}
	if l.secrets.tls != nil {
		o.SetTLSConfig(l.secrets.tls.Clone())
	}
	return o
}

// errSubRefused is a SUBACK refusing a subscription (return code 0x80), which
// paho reports only in the token's Result.
var errSubRefused = errors.New("subscription refused by the broker")

// refused reports whether a completed subscribe token carries the broker's
// refusal for topic.
func refused(tok paho.Token, topic string) bool {
	st, ok := tok.(*paho.SubscribeToken)
	if !ok {
		return false
	}
	code, ok := st.Result()[topic]
	return ok && code == 0x80
}

// waitToken waits for a token, giving up at timeout.
func waitToken(tok paho.Token, timeout time.Duration) error {
	if !tok.WaitTimeout(timeout) {
		return fmt.Errorf("no answer from the broker within %v", timeout)
	}
	return tok.Error()
}
