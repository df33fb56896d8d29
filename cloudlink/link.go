// Package cloudlink carries a SafeHub box's events to the community center
// over MQTT and the center's commands back, keeping the promise that an
// alarm raised in a home reaches the center and shows there exactly once,
// whatever happens to the network, the broker or the box.
//
// The outbox is the box's SQLite events table: the pipeline commits an event
// before anyone hears of it, the link publishes from the table with QoS 1 and
// marks the event published only on the broker's PUBACK, and keeps raised
// alarms tracked until the center acknowledges them by id, sending them
// again until it does. paho's own stores and tokens are never the record:
// each connection gets a fresh client, and after any loss the link starts
// again from the table. Copies carry the same event id, so the center drops
// them. The wire format is in cloudlink/protocol and docs/protocol.md.
//
// Use: New(cfg, deps) then Run(ctx), which returns after its goroutines have
// stopped; State and DownSince report the link's condition.
package cloudlink

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/safehub-iot/safehub/cloudlink/protocol"
)

// Link is the box's connection to the center.
type Link struct {
	cfg       Config
	deps      Deps
	clock     clockwork.Clock
	log       *slog.Logger
	secrets   secrets
	newClient newClientFunc
	topics    topics
	started   time.Time

	cmds      chan []byte
	center    centerWatch
	cur       atomic.Pointer[conn] // the live connection, nil while down
	heartbeat atomic.Int64         // interval in ns; set_heartbeat changes it
	hbReset   chan struct{}

	// Owned by the connect loop's goroutine.
	evicted         int64  // telemetry evicted since the last overflow notice
	overflowNoticed bool   // a notice is waiting in the outbox
	boundTop        int64  // Committed() when the outbox was last within bounds
	centerEpoch     string // the center epoch last acted on (presence.go)

	mu    sync.Mutex
	state State
}

type topics struct {
	alarm, event, heartbeat, status, cmd, reply string
}

// conn is one connection: a fresh paho client and its loss signal.
type conn struct {
	c      mqttClient
	broker string
	lost   chan struct{}
}

// State is the link's condition, for status reports and the local API.
type State struct {
	Connected bool
	// Broker is the URL connected to (or last tried).
	Broker string
	// Since is when the link came up, or went down.
	Since         time.Time
	LastHeartbeat time.Time
	// OutboxDepth counts events waiting for the broker; OldestUnsent is
	// the time of the oldest of them.
	OutboxDepth  int
	OldestUnsent time.Time
}

// New checks cfg, reads the TLS and password files, and builds a link.
func New(cfg Config, deps Deps) (*Link, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.Store == nil {
		return nil, errors.New("cloudlink: no store")
	}
	if deps.Clock == nil {
		deps.Clock = clockwork.NewRealClock()
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	sec, err := loadSecrets(cfg)
	if err != nil {
		return nil, fmt.Errorf("cloudlink: %w", err)
	}
	l := &Link{
		cfg: cfg, deps: deps, clock: deps.Clock, log: deps.Log.With("component", "cloudlink"),
		secrets: sec, newClient: newPahoClient,
		cmds: make(chan []byte, 64), hbReset: make(chan struct{}, 1),
		center: centerWatch{sig: make(chan struct{}, 1)},
	}
	for _, t := range []struct {
		dst *string
		ch  protocol.Channel
	}{{&l.topics.alarm, protocol.Alarm}, {&l.topics.event, protocol.Event}, {&l.topics.heartbeat, protocol.Heartbeat},
		{&l.topics.status, protocol.Status}, {&l.topics.cmd, protocol.Cmd}, {&l.topics.reply, protocol.Reply}} {
		if *t.dst, err = protocol.Topic(cfg.Site, t.ch); err != nil {
			return nil, fmt.Errorf("cloudlink: %w", err)
		}
	}
	l.heartbeat.Store(int64(cfg.Heartbeat))
	l.started = l.clock.Now()
	l.state.Since = l.started
	return l, nil
}

// Run connects and keeps the link up until ctx is done, then publishes the
// offline status, disconnects, and returns nil once every goroutine it
// started has stopped. It returns an error only if the store fails on
// start-up.
func (l *Link) Run(ctx context.Context) error {
	if err := l.importOldReplies(ctx); err != nil {
		return fmt.Errorf("cloudlink: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		l.commandLoop(ctx)
	}()
	l.connectLoop(ctx)
	cancel()
	wg.Wait()
	return nil
}

func (l *Link) setUp(broker string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.state.Connected, l.state.Broker, l.state.Since = true, broker, l.clock.Now()
}

func (l *Link) setDown() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.state.Connected, l.state.Since = false, l.clock.Now()
}

// State returns the link's condition; the outbox figures are read from the
// store now.
func (l *Link) State() State {
	l.mu.Lock()
	s := l.state
	l.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if n, oldest, err := l.deps.Store.OutboxDepth(ctx); err == nil {
		s.OutboxDepth, s.OldestUnsent = n, oldest
	}
	return s
}

// DownSince is when the link went down (or started without connecting); zero
// while it is up. The SMS fallback uses it.
func (l *Link) DownSince() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.state.Connected {
		return time.Time{}
	}
	return l.state.Since
}
