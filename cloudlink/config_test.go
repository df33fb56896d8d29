package cloudlink

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/cloudlink/protocol"
	"github.com/safehub-iot/safehub/event"
)

func TestConfigValidate(t *testing.T) {
	base := func() Config {
		c := Default()
		c.Site = "rose-12"
		c.Brokers = []string{"ssl://center.example:8883"}
		return c
	}
	tests := []struct {
		name   string
		modify func(*Config)
		field  string // "" for valid
	}{
		{name: "defaults", modify: func(*Config) {}},
		{name: "zero durations take defaults", modify: func(c *Config) { c.Keepalive, c.Heartbeat, c.MaxInflight = 0, 0, 0 }},
		{name: "bad site", modify: func(c *Config) { c.Site = "Rose 12" }, field: "site"},
		{name: "no brokers", modify: func(c *Config) { c.Brokers = nil }, field: "brokers"},
		{name: "broker without port", modify: func(c *Config) { c.Brokers = append(c.Brokers, "tcp://center.example") }, field: "brokers[1]"},
		{name: "broker scheme", modify: func(c *Config) { c.Brokers = []string{"http://center.example:80"} }, field: "brokers[0]"},
		{name: "cert without key", modify: func(c *Config) { c.CertFile = "box.crt" }, field: "cert_file"},
		{name: "password without user", modify: func(c *Config) { c.PasswordFile = "/etc/safehub/pw" }, field: "password_file"},
		{name: "keepalive too short", modify: func(c *Config) { c.Keepalive = time.Second }, field: "keepalive"},
		{name: "heartbeat too long", modify: func(c *Config) { c.Heartbeat = 2 * time.Hour }, field: "heartbeat"},
		{name: "backoff cap over 10 min", modify: func(c *Config) { c.MaxBackoff = time.Hour }, field: "max_backoff"},
		{name: "inflight", modify: func(c *Config) { c.MaxInflight = -1 }, field: "max_inflight"},
		{name: "outbox too small", modify: func(c *Config) { c.OutboxMax = 5 }, field: "outbox_max"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base()
			tt.modify(&c)
			err := c.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != tt.field {
				t.Fatalf("Validate error = %v, want a *ConfigError for %q", err, tt.field)
			}
			if !strings.HasPrefix(err.Error(), "cloud."+tt.field+": ") {
				t.Fatalf("error text %q does not start with the field path", err)
			}
		})
	}
}

func TestNewReadsSecrets(t *testing.T) {
	c := testConfig("tcp://127.0.0.1:1")
	c.CAFile = "testdata/no-such-ca.pem"
	_, err := New(c, Deps{Store: openStore(t)})
	if err == nil || !strings.Contains(err.Error(), "cloud.ca_file") {
		t.Fatalf("New with a missing CA file: %v, want an error naming cloud.ca_file", err)
	}
}

func TestBackoff(t *testing.T) {
	l := &Link{cfg: Default()}
	tests := []struct {
		name     string
		failures int
		min, max time.Duration
	}{
		{name: "first", failures: 1, min: 250 * time.Millisecond, max: 500 * time.Millisecond},
		{name: "third", failures: 3, min: time.Second, max: 2 * time.Second},
		{name: "capped", failures: 40, min: 10 * time.Second, max: 20 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 100 {
				if got := l.backoff(tt.failures); got < tt.min || got > tt.max {
					t.Fatalf("backoff(%d) = %v, want within [%v, %v]", tt.failures, got, tt.min, tt.max)
				}
			}
		})
	}
}

// fakeToken is a completed paho token.
type fakeToken struct{ err error }

func (t fakeToken) Wait() bool                     { return true }
func (t fakeToken) WaitTimeout(time.Duration) bool { return true }
func (t fakeToken) Error() error                   { return t.err }
func (t fakeToken) Done() <-chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}

// failingClient refuses every event publish on its first connection (as a
// broker that never PUBACKs would leave the token failed) and records them
// on later ones. A broker cannot be made to do this on demand.
type failingClient struct {
	n   int // which connection this is
	rec *publishes
}

type publishes struct {
	mu      sync.Mutex
	conns   int
	payload [][]byte
}

func (c *failingClient) Connect() paho.Token                                    { return fakeToken{} }
func (c *failingClient) Subscribe(string, byte, paho.MessageHandler) paho.Token { return fakeToken{} }
func (c *failingClient) Disconnect(uint)                                        {}
func (c *failingClient) Publish(topic string, _ byte, _ bool, payload any) paho.Token {
	if !strings.HasSuffix(topic, "/alarm") && !strings.HasSuffix(topic, "/event") {
		return fakeToken{}
	}
	if c.n == 1 {
		return fakeToken{err: errors.New("not acknowledged")}
	}
	c.rec.mu.Lock()
	defer c.rec.mu.Unlock()
	c.rec.payload = append(c.rec.payload, payload.([]byte))
	return fakeToken{}
}

func TestFailedPublishStaysInOutbox(t *testing.T) {
	st := openStore(t)
	wake := make(chan event.Event, 1)
	want := appendEvents(t, st, wake, 3, event.AlarmRaised)
	rec := &publishes{}
	l, err := New(testConfig("tcp://127.0.0.1:1"), Deps{Store: st, Wake: wake, Log: quietLog()})
	require.NoError(t, err)
	l.newClient = func(*paho.ClientOptions) mqttClient {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		rec.conns++
		return &failingClient{n: rec.conns, rec: rec}
	}
	runLinkBuilt(t, l)
	require.Eventually(t, func() bool { return l.State().OutboxDepth == 0 }, waitFor, tick)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.conns < 2 {
		t.Fatalf("%d connections, want a new one after the failed publish", rec.conns)
	}
	var got []protocol.EventMsg
	for _, p := range rec.payload {
		m, err := protocol.DecodeEvent(p)
		require.NoError(t, err)
		got = append(got, m)
	}
	checkDelivery(t, got, want)
}
