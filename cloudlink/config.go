package cloudlink

import (
	"fmt"
	"net/url"
	"time"

	"github.com/safehub-iot/safehub/cloudlink/protocol"
)

// Config is the cloud link's configuration as plain Go; gateway/config fills
// it from YAML. Zero durations and counts mean the default (see Default).
type Config struct {
	// Site is the box's site id, used in every topic.
	Site string
	// Brokers are tried in turn: tcp://host:1883, ssl://host:8883 (also
	// tls://, mqtts://, mqtt://, ws://, wss://).
	Brokers []string
	// ClientID defaults to "safehub-<site>". It must be stable: the broker
	// keeps the box's session (queued commands) under it.
	ClientID string
	// TLS: CAFile alone verifies the broker; CertFile and KeyFile together
	// add a client certificate (mTLS).
	CAFile, CertFile, KeyFile string
	// Username and the file holding the password (never the password
	// itself in config; it is never logged).
	Username, PasswordFile string

	// Keepalive is the MQTT keepalive (default 30 s): the broker sends the
	// last will about 1.5 × Keepalive after the box vanished.
	Keepalive time.Duration
	// Heartbeat is the heartbeat interval (default 60 s).
	Heartbeat time.Duration
	// ConnectTimeout bounds one connection attempt (default 10 s).
	ConnectTimeout time.Duration
	// MaxBackoff caps the wait between connection attempts (default 20 s);
	// waits grow from MinBackoff (default 500 ms) with jitter in [d/2, d].
	// After a broker outage every box is back within MaxBackoff of the
	// broker's return: 20 s spreads 10,000 homes over [10 s, 20 s], about
	// 1,000 connects a second, which Mosquitto takes.
	MaxBackoff, MinBackoff time.Duration
	// MaxInflight bounds events published and not yet acknowledged by the
	// broker (default 128): one fsync records up to that many PUBACKs.
	MaxInflight int
	// OutboxMax bounds the events waiting to be sent (default 50,000);
	// beyond it the oldest telemetry is evicted (alarms never).
	OutboxMax int
	// CmdMaxAge is how far a command's time may be from the box's clock
	// before it is refused as stale (default 10 min).
	CmdMaxAge time.Duration
	// AckResend is how long an alarm may go unacknowledged by the center
	// before the box sends it again (default 60 s); also checked on every
	// reconnect. Every unacknowledged alarm is sent again at once, whatever
	// its age, when the center announces a new epoch (presence.go).
	AckResend time.Duration
	// Poll is how often the outbox is checked without a wake-up from the
	// pipeline (default 1 s).
	Poll time.Duration
	// Version is the box software version for status and heartbeats.
	Version string
}

// Default returns the defaults; Site and Brokers must still be set.
func Default() Config {
	return Config{
		Keepalive:      30 * time.Second,
		Heartbeat:      60 * time.Second,
		ConnectTimeout: 10 * time.Second,
		MaxBackoff:     20 * time.Second,
		MinBackoff:     500 * time.Millisecond,
		MaxInflight:    128,
		OutboxMax:      50000,
		CmdMaxAge:      10 * time.Minute,
		AckResend:      60 * time.Second,
		Poll:           time.Second,
		Version:        "dev",
	}
}

// withDefaults fills zero fields from Default.
func (c Config) withDefaults() Config {
	d := Default()
	if c.ClientID == "" && c.Site != "" {
		c.ClientID = "safehub-" + c.Site
	}
	setDur := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	setDur(&c.Keepalive, d.Keepalive)
	setDur(&c.Heartbeat, d.Heartbeat)
	setDur(&c.ConnectTimeout, d.ConnectTimeout)
	setDur(&c.MaxBackoff, d.MaxBackoff)
	setDur(&c.MinBackoff, d.MinBackoff)
	setDur(&c.CmdMaxAge, d.CmdMaxAge)
	setDur(&c.AckResend, d.AckResend)
	setDur(&c.Poll, d.Poll)
	if c.MaxInflight == 0 {
		c.MaxInflight = d.MaxInflight
	}
	if c.OutboxMax == 0 {
		c.OutboxMax = d.OutboxMax
	}
	if c.Version == "" {
		c.Version = d.Version
	}
	return c
}

// ConfigError names the field of Config that is wrong, by its YAML key.
type ConfigError struct {
	Field string
	Msg   string
}

func (e *ConfigError) Error() string { return "cloud." + e.Field + ": " + e.Msg }

func cfgErr(field, format string, args ...any) error {
	return &ConfigError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

var schemes = map[string]bool{"tcp": true, "mqtt": true, "ssl": true, "tls": true, "mqtts": true, "ws": true, "wss": true}

// Validate checks the config after defaults are applied. It does no I/O:
// New reads the TLS and password files.
func (c Config) Validate() error {
	c = c.withDefaults()
	if err := protocol.ValidSite(c.Site); err != nil {
		return cfgErr("site", "%q is not a site id (want [a-z0-9][a-z0-9-]{0,62})", c.Site)
	}
	if len(c.Brokers) == 0 {
		return cfgErr("brokers", "missing (want at least one URL such as ssl://center.example:8883)")
	}
	for i, b := range c.Brokers {
		u, err := url.Parse(b)
		if err != nil || !schemes[u.Scheme] || u.Hostname() == "" || u.Port() == "" {
			return cfgErr(fmt.Sprintf("brokers[%d]", i), "%q is not a broker URL (want scheme://host:port with scheme tcp, ssl, tls, mqtt, mqtts, ws or wss)", b)
		}
	}
	if len(c.ClientID) > 23*4 {
		return cfgErr("client_id", "%d characters is too long (want at most 92)", len(c.ClientID))
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		return cfgErr("cert_file", "cert_file and key_file go together (got only one)")
	}
	if c.PasswordFile != "" && c.Username == "" {
		return cfgErr("password_file", "set without username")
	}
	checks := []struct {
		field    string
		v        time.Duration
		min, max time.Duration
	}{
		{"keepalive", c.Keepalive, 5 * time.Second, 10 * time.Minute},
		{"heartbeat", c.Heartbeat, 5 * time.Second, time.Duration(protocol.MaxHeartbeatS) * time.Second},
		{"connect_timeout", c.ConnectTimeout, 100 * time.Millisecond, 2 * time.Minute},
		{"max_backoff", c.MaxBackoff, c.MinBackoff, 10 * time.Minute},
		{"min_backoff", c.MinBackoff, 10 * time.Millisecond, time.Minute},
		{"cmd_max_age", c.CmdMaxAge, 10 * time.Second, 24 * time.Hour},
		{"ack_resend", c.AckResend, time.Second, 24 * time.Hour},
		{"poll", c.Poll, 10 * time.Millisecond, time.Minute},
	}
	for _, ck := range checks {
		if ck.v < ck.min || ck.v > ck.max {
			return cfgErr(ck.field, "%v (want %v to %v)", ck.v, ck.min, ck.max)
		}
	}
	if c.MaxInflight < 1 || c.MaxInflight > 1000 {
		return cfgErr("max_inflight", "%d (want 1 to 1000)", c.MaxInflight)
	}
	if c.OutboxMax < 100 {
		return cfgErr("outbox_max", "%d (want at least 100)", c.OutboxMax)
	}
	return nil
}
