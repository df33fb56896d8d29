// Package center is the community center's alarm console as a component:
// it subscribes to every home's topics on the center broker (an embedded
// mochi broker by default, or an external Mosquitto/EMQX with shared
// subscriptions), stores what arrives exactly once in alarmdb, supervises
// the homes, sends acknowledgements and replay requests back to the boxes,
// and serves the operators' web console.
//
// Tests and benchmarks of other packages run a whole center in-process with
// Start; cmd/safehub-center's main only parses flags into a Config (Run).
package center

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/jonboulle/clockwork"

	"github.com/safehub-iot/safehub/center/alarmdb"
	"github.com/safehub-iot/safehub/center/broker"
	"github.com/safehub-iot/safehub/center/console"
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

// Center is a running alarm console.
type Center struct {
	cfg       Config
	db        *alarmdb.DB
	broker    *broker.Broker
	brokerURL string
	mq        paho.Client
	httpSrv   *http.Server
	httpURL   string
	started   time.Time // when the center began listening

	in     chan inbound
	kick   chan struct{} // wake the tick loop: an ack to send
	notify *notifier

	cancel context.CancelFunc
	wg     sync.WaitGroup
	held   held // share-group messages handed to the ingest loop, not yet acknowledged (share.go)
}

// Start opens the database, starts the embedded broker (unless BrokerURL is
// set), connects to the broker, and serves the web console. Close stops it.
func Start(ctx context.Context, cfg Config) (_ *Center, err error) {
	cfg.setDefaults()
	if cfg.DBPath == "" {
		return nil, errors.New("center: db path is required")
	}
	c := &Center{cfg: cfg, in: make(chan inbound, 4096), kick: make(chan struct{}, 1), notify: newNotifier()}
	defer func() {
		if err != nil {
			c.shutdown()
		}
	}()
	if c.db, err = alarmdb.Open(ctx, cfg.DBPath, cfg.Clock); err != nil {
		return nil, fmt.Errorf("center: %w", err)
	}
	for name, pw := range cfg.Operators {
		if err := c.db.SetOperator(ctx, name, pw); err != nil {
			return nil, fmt.Errorf("center: operator: %w", err)
		}
	}
	password := ""
	c.brokerURL = cfg.BrokerURL
	if cfg.BrokerURL == "" {
		bc := broker.Config{Addr: cfg.MQTTAddr, TLS: cfg.BrokerTLS, Log: cfg.Log}
		if cfg.BrokerTLS == nil {
			password = randomToken()
			bc.CenterPassword = password
		}
		if c.broker, err = broker.Start(bc); err != nil {
			return nil, fmt.Errorf("center: %w", err)
		}
		scheme := "tcp"
		if cfg.BrokerTLS != nil {
			scheme = "ssl"
		}
		c.brokerURL = scheme + "://" + c.broker.Addr()
	}
	c.started = cfg.Clock.Now()
	loopCtx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	c.wg.Add(2)
	go func() { defer c.wg.Done(); c.ingestLoop(loopCtx) }()
	go func() { defer c.wg.Done(); c.tickLoop(loopCtx) }()
	if err := c.connect(ctx, password); err != nil {
		return nil, err
	}

	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return nil, fmt.Errorf("center: listen http %s: %w", cfg.HTTPAddr, err)
	}
	c.httpURL = "http://" + ln.Addr().String()
	ui := console.New(console.Config{DB: c.db, Actions: c, Changes: c.notify.subscribe, Log: cfg.Log})
	c.httpSrv = &http.Server{Handler: ui, ReadHeaderTimeout: 10 * time.Second}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		if err := c.httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			cfg.Log.Error("web console stopped", "err", err)
		}
	}()
	cfg.Log.Info("center started", "console", c.httpURL, "broker", c.brokerURL, "db", cfg.DBPath)
	return c, nil
}

func randomToken() string {
	b := make([]byte, 16)
	rand.Read(b) //nolint:errcheck // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// BrokerURL is the broker boxes connect to (the embedded one's address).
func (c *Center) BrokerURL() string { return c.brokerURL }

// HTTPURL is the web console's base URL.
func (c *Center) HTTPURL() string { return c.httpURL }

// DB gives access to the center database (queries, operators).
func (c *Center) DB() *alarmdb.DB { return c.db }

// Alarms returns the alarms f selects, in the console's order.
func (c *Center) Alarms(ctx context.Context, f alarmdb.Filter) ([]alarmdb.Alarm, error) {
	return c.db.Alarms(ctx, f)
}

// Acknowledge records operator's acknowledgement of an alarm and sends it
// to the box (now, and again later until the broker has taken it).
func (c *Center) Acknowledge(ctx context.Context, alarmID, operator string) (alarmdb.Alarm, error) {
	a, err := c.db.Acknowledge(ctx, alarmID, operator)
	if err != nil {
		return a, err
	}
	select {
	case c.kick <- struct{}{}:
	default:
	}
	c.notify.send()
	return a, nil
}

// Resolve closes an acknowledged alarm with its outcome and note.
func (c *Center) Resolve(ctx context.Context, alarmID, operator, outcome, note string) (alarmdb.Alarm, error) {
	a, err := c.db.Resolve(ctx, alarmID, operator, outcome, note)
	if err == nil {
		c.notify.send()
	}
	return a, err
}

// Close stops the console, the MQTT client, the loops and the embedded
// broker, and closes the database. Messages received but not yet stored
// were not acknowledged to the broker, which delivers them again.
func (c *Center) Close(ctx context.Context) error {
	var first error
	if c.httpSrv != nil {
		if err := c.httpSrv.Shutdown(ctx); err != nil {
			first = fmt.Errorf("center: stop web console: %w", err)
			c.httpSrv.Close()
		}
	}
	if err := c.shutdown(); err != nil && first == nil {
		first = err
	}
	return first
}

func (c *Center) shutdown() error {
	c.notify.close()
	if c.mq != nil {
		c.goodbye()
		c.mq.Disconnect(250)
	}
	if c.cancel != nil {
		c.cancel()
	}
	if c.httpSrv != nil {
		c.httpSrv.Close()
	}
	c.wg.Wait()
	var first error
	if c.broker != nil {
		if err := c.broker.Close(); err != nil {
			first = fmt.Errorf("center: stop broker: %w", err)
		}
	}
	if c.db != nil {
		if err := c.db.Close(); err != nil && first == nil {
			first = fmt.Errorf("center: close db: %w", err)
		}
	}
	return first
}

// notifier fans a "something changed" signal out to the console's live
// connections; each listener's channel holds one pending signal at most.
type notifier struct {
	mu     sync.Mutex
	subs   map[chan struct{}]bool
	closed bool
}

func newNotifier() *notifier { return &notifier{subs: map[chan struct{}]bool{}} }

func (n *notifier) subscribe() (<-chan struct{}, func()) {
	n.mu.Lock()
	defer n.mu.Unlock()
	ch := make(chan struct{}, 1)
	if n.closed {
		close(ch)
		return ch, func() {}
	}
	n.subs[ch] = true
	return ch, func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		if n.subs[ch] {
			delete(n.subs, ch)
			close(ch)
		}
	}
}

func (n *notifier) send() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for ch := range n.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

func (n *notifier) close() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.closed = true
	for ch := range n.subs {
		delete(n.subs, ch)
		close(ch)
	}
}
