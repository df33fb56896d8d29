// The event loop: the Pipeline and its constructor, the emitters through which
// sensors report into it, and Run, which turns every reading, status, timer
// and control call into actions on one goroutine.

package gateway

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/safehub-iot/safehub/event"
)

// EventStore is what the pipeline needs of the local database
// (gateway/store implements it).
type EventStore interface {
	// Commit assigns sequence numbers to evs and commits them, with the
	// state blobs, in one durable transaction.
	Commit(ctx context.Context, evs []*event.Event, state map[string][]byte) error
	// GetState returns a saved blob or an error wrapping ErrNoState.
	GetState(ctx context.Context, key string) ([]byte, error)
}

// PipelineConfig builds a Pipeline.
type PipelineConfig struct {
	Site      string
	Store     EventStore
	Evaluator Evaluator
	Sensors   []SensorSpec
	Clock     Clock
	Log       *slog.Logger
	// ClockUnsure, if set, reports whether the system clock is not yet
	// synchronized (a Pi has no RTC: after a power cut the time is wrong
	// until NTP syncs); events committed meanwhile are marked clock_unsure.
	ClockUnsure func() bool
}

// Pipeline is the box's single event loop: sensors report into it, the
// evaluator decides, and every resulting event is committed to the store
// before subscribers (cloud link, local API) and outputs hear of it.
type Pipeline struct {
	site    string
	unsure  func() bool
	store   EventStore
	clock   Clock
	log     *slog.Logger
	sensors map[string]SensorSpec

	in   chan input
	ctl  chan func(now time.Time)
	done chan struct{}

	// Owned by the loop goroutine.
	eval    Evaluator
	active  map[AlarmKey]string  // active alarm id by key
	retry   []*event.Event       // events whose commit failed, retried first
	battery map[string]time.Time // last low-battery notice by sensor
	tamper  map[string]time.Time // last tamper event by sensor
	outputs map[string][]Output  // by id and by kind
	leds    leds                 // what the LEDs show (leds.go)
	outMu   sync.Mutex

	testMode atomic.Bool
	alive    atomic.Int64 // unix nanos of the loop's last turn

	mu     sync.Mutex
	health map[string]*SensorHealth
	subs   map[int]chan event.Event
	nextID int
}

type input struct {
	reading *Reading
	status  *Status
}

// NewPipeline builds a pipeline; Run starts it.
func NewPipeline(cfg PipelineConfig) *Pipeline {
	p := &Pipeline{
		site:    cfg.Site,
		unsure:  cfg.ClockUnsure,
		store:   cfg.Store,
		clock:   cfg.Clock,
		log:     cfg.Log,
		eval:    cfg.Evaluator,
		sensors: map[string]SensorSpec{},
		in:      make(chan input, 1024),
		ctl:     make(chan func(time.Time)),
		done:    make(chan struct{}),
		active:  map[AlarmKey]string{},
		battery: map[string]time.Time{},
		tamper:  map[string]time.Time{},
		outputs: map[string][]Output{},
		leds:    leds{alarms: map[string]*alarmFlags{}},
		health:  map[string]*SensorHealth{},
		subs:    map[int]chan event.Event{},
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	for _, s := range cfg.Sensors {
		p.sensors[s.ID] = s
		p.health[s.ID] = &SensorHealth{ID: s.ID, Kind: string(s.Kind), Room: s.Room, Health: event.HealthUnknown}
	}
	p.alive.Store(p.clock.Now().UnixNano())
	return p
}

// Emitter returns the emitter for one sensor: whatever the driver reports
// is attributed to that sensor id.
func (p *Pipeline) Emitter(sensorID string) Emitter {
	return sensorEmitter{p: p, id: sensorID}
}

type sensorEmitter struct {
	p  *Pipeline
	id string
}

// Reading blocks while the pipeline's queue is full (never drops: a lost
// button press is a lost alarm) and returns at once after the pipeline
// stopped.
func (e sensorEmitter) Reading(r Reading) {
	r.Sensor = e.id
	select {
	case e.p.in <- input{reading: &r}:
	case <-e.p.done:
	}
}

func (e sensorEmitter) Status(s Status) {
	s.Sensor = e.id
	select {
	case e.p.in <- input{status: &s}:
	case <-e.p.done:
	}
}

// Alive is when the event loop last turned; the systemd watchdog is pinged
// only while this stays recent.
func (p *Pipeline) Alive() time.Time { return time.Unix(0, p.alive.Load()) }

// SetTestMode marks every event committed from now on as a test
// (commissioning walk test) or, with false, ends that.
func (p *Pipeline) SetTestMode(on bool) { p.testMode.Store(on) }

// TestMode reports whether events are being marked as tests.
func (p *Pipeline) TestMode() bool { return p.testMode.Load() }

// Exec runs fn on the event loop and applies the actions it returns, as if
// the evaluator had decided them. The cloud link's downlink commands and the
// local API use it. It returns when the actions are committed.
func (p *Pipeline) Exec(ctx context.Context, fn func(now time.Time, eval Evaluator) []Action) error {
	errc := make(chan error, 1)
	f := func(now time.Time) {
		errc <- p.apply(ctx, now, fn(now, p.eval))
	}
	select {
	case p.ctl <- f:
	case <-p.done:
		return errors.New("pipeline stopped")
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// SetEvaluator replaces the rules (after a validated reload). Active alarms
// stay active.
func (p *Pipeline) SetEvaluator(ctx context.Context, eval Evaluator) error {
	return p.Exec(ctx, func(time.Time, Evaluator) []Action {
		p.eval = eval
		return nil
	})
}

// SwapEvaluator replaces the rules from inside an Exec function (which runs
// on the loop); elsewhere use SetEvaluator.
func (p *Pipeline) SwapEvaluator(eval Evaluator) { p.eval = eval }

// Run loads saved state and runs the loop until ctx is done. Before
// returning it commits every reading already queued, so a SIGTERM loses
// nothing the drivers reported.
func (p *Pipeline) Run(ctx context.Context) error {
	defer close(p.done)
	now := p.clock.Now()
	if err := p.restore(ctx, now); err != nil {
		return err
	}
	p.driveLEDs(now)
	// Commits are never cut short by shutdown: an event reported before
	// the stop is committed whole. Only the loop itself watches ctx.
	done := ctx.Done()
	ctx = context.WithoutCancel(ctx)
	wake := p.clock.NewTimer(time.Hour)
	defer wake.Stop()
	beat := p.clock.NewTicker(time.Second)
	defer beat.Stop()
	for {
		p.arm(wake)
		select {
		case <-done:
			p.drain(ctx)
			return nil
		case in := <-p.in:
			p.handle(ctx, in)
		case f := <-p.ctl:
			f(p.clock.Now())
		case <-wake.Chan():
			now := p.clock.Now()
			p.applyLogged(ctx, now, p.eval.Tick(now))
		case <-beat.Chan():
			if len(p.retry) > 0 {
				p.applyLogged(ctx, p.clock.Now(), nil)
			}
		}
		p.alive.Store(p.clock.Now().UnixNano())
	}
}

func (p *Pipeline) drain(ctx context.Context) {
	for {
		select {
		case in := <-p.in:
			p.handle(ctx, in)
		default:
			if len(p.retry) > 0 {
				p.applyLogged(ctx, p.clock.Now(), nil)
			}
			return
		}
	}
}

func (p *Pipeline) arm(t interface{ Reset(time.Duration) bool }) {
	now := p.clock.Now()
	d := time.Hour
	if at, ok := p.eval.NextWake(); ok {
		d = max(at.Sub(now), 0)
	}
	if at := p.leds.next(now); !at.IsZero() {
		d = min(d, at.Sub(now))
	}
	t.Reset(d)
}

func (p *Pipeline) handle(ctx context.Context, in input) {
	now := p.clock.Now()
	switch {
	case in.reading != nil:
		r := *in.reading
		if r.Time.IsZero() {
			r.Time = now
		}
		p.mu.Lock()
		if h := p.health[r.Sensor]; h != nil {
			h.LastSeen = r.Time
			if h.Health == event.HealthUnknown {
				h.Health = event.HealthOK
			}
			if r.Quantity != QHeartbeat {
				if h.Last == nil {
					h.Last = map[string]float64{}
				}
				h.Last[r.Quantity] = r.Value
			}
		}
		p.mu.Unlock()
		if p.sensors[r.Sensor].Kind == event.ResetButton {
			if r.Value != 0 {
				p.applyLogged(ctx, now, p.reset(now, p.eval))
			}
			return
		}
		var acts []Action
		if ev := p.batteryNotice(r); ev != nil {
			acts = append(acts, Action{Event: ev})
		}
		if ev := p.tamperNotice(r); ev != nil {
			acts = append(acts, Action{Event: ev})
		}
		acts = append(acts, p.eval.Reading(now, r)...)
		p.applyLogged(ctx, now, acts)
	case in.status != nil:
		s := *in.status
		if s.Time.IsZero() {
			s.Time = now
		}
		var acts []Action
		if ev := p.healthChange(s); ev != nil {
			acts = append(acts, Action{Event: ev})
		}
		acts = append(acts, p.eval.Status(now, s)...)
		p.applyLogged(ctx, now, acts)
	}
}
