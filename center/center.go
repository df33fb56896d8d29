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
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/safehub-iot/safehub/center/alarmdb"
	"github.com/safehub-iot/safehub/center/broker"
	"github.com/safehub-iot/safehub/center/console"
)

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
	c.db.SetSeqWindow(cfg.SeqWindow)
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
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
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
