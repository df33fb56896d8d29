package simhome

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/safehub-iot/safehub/cloudlink"
	_ "github.com/safehub-iot/safehub/drivers/all"      // gpio, I²C drivers
	_ "github.com/safehub-iot/safehub/drivers/mr60fda1" // fall radar
	_ "github.com/safehub-iot/safehub/drivers/rfbridge" // rf433 pendant
	"github.com/safehub-iot/safehub/firmware-sim/serialsim"
	"github.com/safehub-iot/safehub/firmware-sim/simhw"
	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/gateway/config"
	"github.com/safehub-iot/safehub/gateway/daemon"
)

// Options configures a Home.
type Options struct {
	// ConfigPath is the home's safehubd config (configs/demo.yaml).
	ConfigPath string
	// Dir holds the home's database and socket (a temporary directory).
	Dir string
	// BrokerURL is where the cloud link connects ("" runs without a
	// link); Network, if set, is what network_cut and broker_restart
	// steps act on (the Proxy in front of the broker).
	BrokerURL string
	Network   Network
	// Heartbeat overrides the config's heartbeat interval when set.
	Heartbeat time.Duration
	Clock     gateway.Clock
	Log       *slog.Logger
}

// Network is the home's line to the center.
type Network interface {
	// SetDown cuts the line (true) or restores it (false).
	SetDown(down bool)
}

// Home is one running simulated home.
type Home struct {
	Daemon *daemon.Daemon
	HW     *simhw.Hardware
	Link   *cloudlink.Link
	Site   string

	opts    Options
	clock   gateway.Clock
	log     *slog.Logger
	devices map[string]*device
	radar   *serialsim.Radar
	bridge  *serialsim.RFBridge

	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	err    error
}

// Start builds the home's devices and the daemon and starts them; Close
// stops everything.
func Start(ctx context.Context, opts Options) (_ *Home, err error) {
	if opts.Clock == nil || opts.ConfigPath == "" || opts.Dir == "" {
		return nil, errors.New("simhome: ConfigPath, Dir and Clock are required")
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	cfg, err := config.Load(opts.ConfigPath)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("simhome: %w", err)
	}
	path, err := rewriteConfig(opts.ConfigPath, opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("simhome: %w", err)
	}
	h := &Home{HW: simhw.New(opts.Clock), Site: cfg.Site.ID, opts: opts, clock: opts.Clock, log: opts.Log, devices: map[string]*device{}}
	defer func() {
		if err != nil {
			h.closeDevices()
		}
	}()
	if err := h.buildDevices(cfg); err != nil {
		return nil, err
	}
	h.Daemon, err = daemon.New(ctx, daemon.Options{ConfigPath: path, Hardware: h.HW, Clock: opts.Clock, Log: opts.Log})
	if err != nil {
		return nil, err
	}
	if opts.BrokerURL != "" {
		if h.Link, err = h.newLink(cfg); err != nil {
			return nil, err
		}
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	h.cancel = cancel
	h.run(runCtx, "daemon", h.Daemon.Run)
	if h.Link != nil {
		h.run(runCtx, "cloud link", h.Link.Run)
	}
	h.run(runCtx, "device traffic", h.traffic)
	return h, nil
}

func (h *Home) run(ctx context.Context, name string, f func(context.Context) error) {
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		if err := f(ctx); err != nil {
			h.log.Error("simhome component stopped", "component", name, "err", err)
			h.mu.Lock()
			if h.err == nil {
				h.err = fmt.Errorf("%s: %w", name, err)
			}
			h.mu.Unlock()
		}
	}()
}

// newLink builds the cloud link from the config's cloud section, aimed at
// the broker given.
func (h *Home) newLink(cfg *config.File) (*cloudlink.Link, error) {
	lc := cloudlink.Default()
	lc.Site = cfg.Site.ID
	lc.Brokers = []string{h.opts.BrokerURL}
	lc.Username = cfg.Cloud.Username
	if lc.Username == "" {
		lc.Username = cfg.Site.ID // the embedded broker's demo mode
	}
	if d := cfg.Cloud.Keepalive.D(); d > 0 {
		lc.Keepalive = d
	}
	lc.Heartbeat = cfg.Cloud.Heartbeat.D()
	if h.opts.Heartbeat > 0 {
		lc.Heartbeat = h.opts.Heartbeat
	}
	lc.MinBackoff, lc.MaxBackoff = 200*time.Millisecond, 2*time.Second
	lc.Version = daemon.Version
	pipe := h.Daemon.Pipeline()
	wake, _ := pipe.Subscribe(256)
	return cloudlink.New(lc, cloudlink.Deps{
		Store: h.Daemon.Store(), Wake: wake, Acker: pipe, Health: pipe,
		OnDelivered: func(gateway.Event) {
			_ = pipe.Exec(context.Background(), func(time.Time, gateway.Evaluator) []gateway.Action {
				return []gateway.Action{{Output: "led_alarm_sent", On: true}}
			})
		},
		Clock: h.clock, Log: h.log,
	})
}

// traffic is what the devices send by themselves: the radar's heartbeat
// every 10 s (unless silenced) and the pendant's check-in every hour.
func (h *Home) traffic(ctx context.Context) error {
	radarBeat := h.clock.NewTicker(10 * time.Second)
	defer radarBeat.Stop()
	checkIn := h.clock.NewTicker(time.Hour)
	defer checkIn.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-radarBeat.Chan():
			if h.radar != nil {
				_ = h.radar.Heartbeat()
			}
		case <-checkIn.Chan():
			for _, d := range h.devices {
				if d.rf != nil && d.rf.checkIn != 0 {
					_ = h.bridge.Send(d.rf.code(d.rf.checkIn), 3)
				}
			}
		}
	}
}

// Err is the first component failure, if any.
func (h *Home) Err() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

// Close stops the daemon and the link and hangs up the serial devices.
// Drivers waiting on a fake clock need time to move: Close advances a fake
// clock until they have stopped.
func (h *Home) Close() error {
	h.cancel()
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	fc, fake := h.clock.(interface{ Advance(time.Duration) })
	for waiting := true; waiting; {
		select {
		case <-done:
			waiting = false
		case <-time.After(time.Millisecond):
			if fake {
				fc.Advance(time.Second)
			}
		}
	}
	h.closeDevices()
	return h.Err()
}

func (h *Home) closeDevices() {
	if h.radar != nil {
		h.radar.Close()
	}
	if h.bridge != nil {
		h.bridge.Close()
	}
}
