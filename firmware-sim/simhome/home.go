package simhome

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"

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
	radarID string

	// Device traffic on a fake clock (Sync; one caller at a time).
	radarSilent           bool
	lastBeat, lastCheckIn time.Time

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
	path, cfg, err := PrepareConfig(opts.ConfigPath, opts.Dir, Link{Broker: opts.BrokerURL, Heartbeat: opts.Heartbeat})
	if err != nil {
		return nil, err
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
	h.Daemon, err = daemon.New(ctx, daemon.Options{ConfigPath: path, Hardware: h.HW, OpenModem: openModem, Clock: opts.Clock, Log: opts.Log})
	if err != nil {
		return nil, err
	}
	h.Link = h.Daemon.Link() // nil without a broker
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	h.cancel = cancel
	h.run(runCtx, "daemon", h.Daemon.Run)
	if _, fake := opts.Clock.(*clockwork.FakeClock); !fake {
		h.run(runCtx, "device traffic", h.traffic)
	}
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

// PrepareConfig writes the home's copy of the config at src into dir (the
// store and API socket moved into dir, the rules file found from the
// working directory or beside the config, the daemon's cloud link aimed at
// link's broker) and loads it.
func PrepareConfig(src, dir string, link Link) (string, *config.File, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", nil, fmt.Errorf("simhome: %w", err)
	}
	path, err := rewriteConfig(src, dir, link)
	if err != nil {
		return "", nil, fmt.Errorf("simhome: %w", err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", src, err)
	}
	return path, cfg, nil
}

// How often the devices speak by themselves.
const (
	radarBeatEvery = 10 * time.Second
	checkInEvery   = time.Hour
)

// traffic is what the devices send by themselves on a real clock: the
// radar's heartbeat every 10 s and the pendant's check-in every hour.
func (h *Home) traffic(ctx context.Context) error {
	h.sendCheckIns()
	radarBeat := h.clock.NewTicker(radarBeatEvery)
	defer radarBeat.Stop()
	checkIn := h.clock.NewTicker(checkInEvery)
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
			h.sendCheckIns()
		}
	}
}

func (h *Home) sendCheckIns() {
	for _, d := range h.devices {
		if d.rf != nil && d.rf.checkIn != 0 {
			_ = h.bridge.Send(d.rf.code(d.rf.checkIn), 3)
		}
	}
}

// syncWait bounds how long Sync waits in real time for a device's message
// to reach the pipeline.
const syncWait = 200 * time.Millisecond

// Sync is the device traffic on a fake clock, called by the timeline after
// each step of the clock: it sends what is due (radar heartbeat, pendant
// check-in) and waits until the drivers have passed it to the pipeline and
// the pipeline's loop has turned, so simulated time never runs ahead of
// what the home has processed (a heartbeat still in a pty buffer must not
// look like a silent radar).
func (h *Home) Sync(ctx context.Context) error {
	now := h.clock.Now()
	var waitFor []string
	if h.radar != nil && !h.radarSilent && now.Sub(h.lastBeat) >= radarBeatEvery {
		h.lastBeat = now
		if err := h.radar.Heartbeat(); err == nil {
			waitFor = append(waitFor, h.radarID)
		}
	}
	if h.bridge != nil && (h.lastCheckIn.IsZero() || now.Sub(h.lastCheckIn) >= checkInEvery) {
		h.lastCheckIn = now
		h.sendCheckIns()
	}
	deadline := time.Now().Add(syncWait)
	for _, id := range waitFor {
		for !h.seenSince(id, now) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Microsecond)
		}
	}
	// A sampling sensor being watched (gas rising) must have sampled
	// within its interval: its driver's conversion takes real time.
	for _, d := range h.devices {
		if d.interval > 0 && now.Before(d.watchUntil) {
			for !h.seenSince(d.id, now.Add(-d.interval)) && time.Now().Before(deadline) {
				time.Sleep(50 * time.Microsecond)
			}
		}
	}
	pipe := h.Daemon.Pipeline()
	return pipe.Exec(ctx, func(time.Time, gateway.Evaluator) []gateway.Action { return nil })
}

func (h *Home) seenSince(id string, t time.Time) bool {
	for _, s := range h.Daemon.Pipeline().Health() {
		if s.ID == id {
			return !s.LastSeen.Before(t)
		}
	}
	return true
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
