// A center's Config and the defaults its zero fields take.

package center

import (
	"crypto/tls"
	"log/slog"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/safehub-iot/safehub/center/alarmdb"
)

// Config configures a center. Zero fields take the defaults noted.
type Config struct {
	// DBPath is the SQLite file (required).
	DBPath string
	// HTTPAddr is the web console's address (default 127.0.0.1:8080; port
	// 0 picks a free one).
	HTTPAddr string

	// BrokerURL selects an external broker (tcp://, ssl://). Empty runs the
	// embedded broker on MQTTAddr.
	BrokerURL string
	// ClientTLS is the center's client TLS (CA and client certificate with
	// CN broker.CenterUser) for an ssl:// broker, external or embedded.
	ClientTLS *tls.Config
	// MQTTAddr is the embedded broker's address (default 127.0.0.1:1883).
	MQTTAddr string
	// BrokerTLS makes the embedded broker TLS-only with client
	// certificates (production). Without it the embedded broker is in demo
	// mode: boxes authenticate by user name = site id, over plain TCP.
	BrokerTLS *tls.Config
	// ClientID is the center's MQTT client id (default safehub-center-1);
	// each console instance needs its own.
	ClientID string
	// ShareGroup is the shared-subscription group several console
	// instances split the alarm and event load in (default
	// "safehub-center"; "-" subscribes without sharing).
	ShareGroup string

	// HeartbeatLimit is how long a home may be silent before it is shown
	// offline, unless its heartbeats announce their interval (then two
	// intervals and a half). Default 2 minutes.
	HeartbeatLimit time.Duration
	// Tick is how often silence, unsent acknowledgements and gaps are
	// checked (default 5 s).
	Tick time.Duration
	// GapGrace is how long a gap may stay open before a replay is asked for,
	// so messages merely reordered in flight are not requested (default
	// 3 s); GapRetry is when an unanswered replay is asked for again
	// (default 1 min).
	GapGrace, GapRetry time.Duration
	// SeqWindow is the largest forward jump of a home's sequence number
	// taken as events to ask a replay of; a jump past it is a fault of that
	// home, listed for maintenance (default alarmdb.DefaultSeqWindow).
	SeqWindow int64
	// BatchMax caps the events stored in one transaction (default 500).
	BatchMax int

	// Operators are local accounts to create or update at start (name →
	// password), e.g. the demo operator.
	Operators map[string]string
	// OnAlarm, if set, is called (on the ingest goroutine, so quickly) for
	// every alarm stored for the first time, once it is committed and shown
	// (it is fsynced just after, before its message is acknowledged);
	// Alarm.Received is when its message reached the center.
	OnAlarm func(alarmdb.Alarm)

	Clock clockwork.Clock
	Log   *slog.Logger
}

func (c *Config) setDefaults() {
	if c.HTTPAddr == "" {
		c.HTTPAddr = "127.0.0.1:8080"
	}
	if c.MQTTAddr == "" {
		c.MQTTAddr = "127.0.0.1:1883"
	}
	if c.ClientID == "" {
		c.ClientID = "safehub-center-1"
	}
	if c.ShareGroup == "" {
		c.ShareGroup = "safehub-center"
	}
	if c.HeartbeatLimit <= 0 {
		c.HeartbeatLimit = 2 * time.Minute
	}
	if c.Tick <= 0 {
		c.Tick = 5 * time.Second
	}
	if c.GapGrace <= 0 {
		c.GapGrace = 3 * time.Second
	}
	if c.GapRetry <= 0 {
		c.GapRetry = time.Minute
	}
	if c.SeqWindow <= 0 {
		c.SeqWindow = alarmdb.DefaultSeqWindow
	}
	if c.BatchMax <= 0 {
		c.BatchMax = 500
	}
	if c.Clock == nil {
		c.Clock = clockwork.NewRealClock()
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
}
