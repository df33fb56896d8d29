// Package daemon assembles a running safehubd from its config: the store,
// the hardware, the drivers, the rules, the pipeline, the cloud link and the
// local API. It owns every goroutine it starts and stops them in order on
// shutdown: sensors first, then the pipeline (which commits what they
// reported), then the link, then the store.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/safehub-iot/safehub/cloudlink"
	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/gateway/clocksync"
	"github.com/safehub-iot/safehub/gateway/config"
	"github.com/safehub-iot/safehub/gateway/smsfallback"
	"github.com/safehub-iot/safehub/gateway/store"
)

// Version is the daemon's version, set by the build.
var Version = "dev"

// ErrNoHardware is returned by New when Options has neither Hardware nor
// OpenHardware.
var ErrNoHardware = errors.New("no hardware given: set Options.Hardware or Options.OpenHardware")

// ErrNoModem is returned by New when the config has a fallback section but
// Options has no OpenModem.
var ErrNoModem = errors.New("no GSM modem driver given: set Options.OpenModem")

// Options configures a Daemon. Only ConfigPath is required.
type Options struct {
	ConfigPath string
	// Hardware is the box's hardware, already open (tests and the
	// simulator pass their own). When nil, OpenHardware opens it.
	Hardware gateway.Hardware
	// OpenHardware opens the hardware that the config's hardware field
	// names ("periph", "sim"): cmd/ decides what each name means, so the
	// daemon links no particular host or simulator. A result that is an
	// io.Closer is closed when the daemon stops.
	OpenHardware func(name string, clock gateway.Clock) (gateway.Hardware, error)
	// OpenModem drives the GSM modem of the config's fallback section on
	// port, the serial port the daemon opened for it; cmd/ chooses the
	// driver (drivers/gsm). The modem may read port in a goroutine of its
	// own, which must end once a read fails: the daemon closes port when
	// the fallback stops. Required when the config has a fallback section.
	OpenModem func(port io.ReadWriter, clock gateway.Clock, log *slog.Logger) smsfallback.Modem
	Clock     gateway.Clock
	Log       *slog.Logger
	// Notify, if set, receives systemd notifications ("READY=1",
	// "WATCHDOG=1", "STOPPING=1", "RELOADING=1").
	Notify func(state string)
	// ClockSource tells whether the system clock is synchronized; events
	// committed while it is not are marked clock_unsure. Default: the
	// kernel's NTP state (clocksync.Kernel).
	ClockSource clocksync.Source
}

// Daemon is one running box.
type Daemon struct {
	opts  Options
	cfg   *config.File
	clock gateway.Clock
	log   *slog.Logger
	hw    gateway.Hardware
	store *store.Store
	pipe  *gateway.Pipeline

	startErr error // a problem found at start-up, reported as an event once running

	mu        sync.Mutex
	sensorsWG sync.WaitGroup
	stopSens  context.CancelFunc
	sensorCtx context.Context
	closers   []func() error
	extras    []func(ctx context.Context) error // components run beside the pipeline
	link      *cloudlink.Link                   // nil for a local-only box
	outputs   []OutputStatus                    // set by openOutputs
	held      map[string]*heldOutput            // opened outputs by id, set by openOutputs
}

// New loads the config and opens the store and the hardware. Nothing runs
// until Run.
func New(ctx context.Context, opts Options) (*Daemon, error) {
	cfg, err := config.Load(opts.ConfigPath)
	if err != nil {
		return nil, err
	}
	if cfg.Fallback != nil && opts.OpenModem == nil {
		return nil, fmt.Errorf("sms fallback on %s: %w", cfg.Fallback.Port, ErrNoModem)
	}
	d := &Daemon{opts: opts, cfg: cfg, clock: opts.Clock, log: opts.Log}
	if d.clock == nil {
		d.clock = clockwork.NewRealClock()
	}
	if d.log == nil {
		d.log = slog.Default()
	}
	st, err := store.Open(ctx, cfg.Store.Path)
	if errors.Is(err, store.ErrCorrupt) && st != nil {
		d.log.Error("store was corrupt and has been replaced", "err", err)
		d.startErr = err
	} else if err != nil {
		return nil, err
	}
	d.store = st
	d.closers = append(d.closers, st.Close)
	d.hw = opts.Hardware
	if d.hw == nil {
		if opts.OpenHardware == nil {
			st.Close()
			return nil, fmt.Errorf("hardware %q: %w", cfg.Hardware, ErrNoHardware)
		}
		h, err := opts.OpenHardware(cfg.Hardware, d.clock)
		if err != nil {
			st.Close()
			return nil, fmt.Errorf("open hardware %q: %w", cfg.Hardware, err)
		}
		d.hw = h
		if c, ok := h.(io.Closer); ok {
			d.closers = append(d.closers, c.Close)
		}
	}
	eval, err := d.buildEvaluator(cfg)
	if err != nil {
		st.Close()
		return nil, err
	}
	clockSrc := opts.ClockSource
	if clockSrc == nil {
		clockSrc = clocksync.Kernel{}
	}
	clockCheck := clocksync.New(clockSrc, d.log, 0)
	d.pipe = gateway.NewPipeline(gateway.PipelineConfig{
		Site:        cfg.Site.ID,
		Store:       st,
		Evaluator:   eval,
		Sensors:     cfg.SensorSpecs(),
		Clock:       d.clock,
		Log:         d.log,
		ClockUnsure: clockCheck.Unsure,
	})
	d.extras = append(d.extras, func(ctx context.Context) error { // logs when NTP syncs
		t := d.clock.NewTicker(time.Minute)
		defer t.Stop()
		return clockCheck.Watch(ctx, t.Chan())
	})
	d.extras = append(d.extras, d.serveAPI) // the local API (api.go)
	link, err := d.newLink(cfg)             // the cloud link (cloud.go)
	if err != nil {
		st.Close()
		return nil, err
	}
	if link != nil {
		d.link = link
		d.extras = append(d.extras, link.Run)
	}
	if cfg.Fallback != nil {
		d.extras = append(d.extras, d.runFallback) // SMS when the link is down (fallback.go)
	}
	return d, nil
}

// Config is the config in force.
func (d *Daemon) Config() *config.File {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg
}

// Store is the box's database.
func (d *Daemon) Store() *store.Store { return d.store }

// Pipeline is the box's event loop.
func (d *Daemon) Pipeline() *gateway.Pipeline { return d.pipe }

// Hardware is what the drivers run on.
func (d *Daemon) Hardware() gateway.Hardware { return d.hw }

// Clock is the daemon's clock.
func (d *Daemon) Clock() gateway.Clock { return d.clock }

func (d *Daemon) notify(state string) {
	if d.opts.Notify != nil {
		d.opts.Notify(state)
	}
}

// Run starts everything and blocks until ctx is done, then shuts down in
// order. The returned error is the first component failure, if any.
func (d *Daemon) Run(ctx context.Context) error {
	outputFaults := d.openOutputs(d.cfg) // before Run applies the saved state
	pipeCtx, stopPipe := context.WithCancel(context.WithoutCancel(ctx))
	defer stopPipe()
	pipeDone := make(chan error, 1)
	go func() { pipeDone <- d.pipe.Run(pipeCtx) }()

	d.boxEvent(ctx, event.Info, "safehubd "+Version+" started")
	if d.startErr != nil {
		d.raiseBoxFault(ctx, "local database was corrupt and has been replaced: "+d.startErr.Error())
	}
	for _, ev := range outputFaults {
		d.commit(ctx, ev)
	}
	d.startSensors(d.cfg)

	var wg sync.WaitGroup
	extraCtx, stopExtras := context.WithCancel(context.WithoutCancel(ctx))
	errc := make(chan error, len(d.extras)+1)
	for _, run := range d.extras {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(extraCtx); err != nil {
				errc <- err
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		d.housekeeping(extraCtx)
	}()

	d.notify("READY=1")
	d.log.Info("safehubd running", "site", d.cfg.Site.ID, "sensors", len(d.cfg.Sensors), "version", Version)
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
		d.log.Error("component failed; shutting down", "err", runErr)
	case err := <-pipeDone:
		runErr = fmt.Errorf("pipeline stopped: %w", err)
		pipeDone <- err
	}
	d.notify("STOPPING=1")
	d.stopSensors()
	stopPipe()
	if err := <-pipeDone; err != nil && runErr == nil {
		runErr = err
	}
	stopExtras()
	wg.Wait()
	for i := len(d.closers) - 1; i >= 0; i-- {
		if err := d.closers[i](); err != nil {
			d.log.Error("close", "err", err)
		}
	}
	d.log.Info("safehubd stopped")
	return runErr
}

// raiseBoxFault commits a critical fault about the box itself.
func (d *Daemon) raiseBoxFault(ctx context.Context, msg string) {
	d.commit(ctx, &event.Event{Kind: event.SensorFault, Severity: event.Critical, Sensor: "box", Message: msg})
}

// boxEvent commits an info event about the box (started, reloaded).
func (d *Daemon) boxEvent(ctx context.Context, sev event.Severity, msg string) {
	d.commit(ctx, &event.Event{Kind: event.InfoEvent, Severity: sev, Sensor: "box", Message: msg})
}

func (d *Daemon) commit(ctx context.Context, ev *event.Event) {
	err := d.pipe.Exec(ctx, func(time.Time, gateway.Evaluator) []gateway.Action {
		return []gateway.Action{{Event: ev}}
	})
	if err != nil {
		d.log.Error("commit box event", "err", err, "msg", ev.Message)
	}
}

// housekeeping prunes the event log so an SD card never fills.
func (d *Daemon) housekeeping(ctx context.Context) {
	cfg := d.Config()
	t := d.clock.NewTicker(cfg.Store.PruneEvery.D())
	defer t.Stop()
	for {
		cfg := d.Config()
		n, err := d.store.Prune(ctx, d.clock.Now(), time.Duration(cfg.Store.RetentionDays)*24*time.Hour, cfg.Store.MaxEvents)
		if err != nil {
			d.log.Error("prune event log", "err", err)
		} else if n > 0 {
			d.log.Info("pruned event log", "deleted", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.Chan():
		}
	}
}
