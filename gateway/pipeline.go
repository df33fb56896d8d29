package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

// State keys the pipeline saves.
const (
	stateActiveAlarms = "pipeline.active_alarms"
	stateEvaluator    = "rules.state"
)

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
	outputs map[string][]Output  // by id and by kind
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

// SensorHealth is one sensor's condition for status reports and heartbeats.
type SensorHealth struct {
	ID       string       `json:"id"`
	Kind     string       `json:"kind"`
	Room     string       `json:"room,omitempty"`
	Health   event.Health `json:"health"`
	Reason   string       `json:"reason,omitempty"`
	LastSeen time.Time    `json:"last_seen,omitzero"`
	// Last holds the latest value of each quantity.
	Last map[string]float64 `json:"last,omitempty"`
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
		outputs: map[string][]Output{},
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

// AddOutput registers an opened output under its id and kind. Call before
// Run.
func (p *Pipeline) AddOutput(id, kind string, o Output) {
	p.outMu.Lock()
	defer p.outMu.Unlock()
	p.outputs[id] = append(p.outputs[id], o)
	if kind != id {
		p.outputs[kind] = append(p.outputs[kind], o)
	}
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

// Health returns each sensor's condition, sorted by config order is not
// kept: callers sort as they need.
func (p *Pipeline) Health() []SensorHealth {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]SensorHealth, 0, len(p.health))
	for _, h := range p.health {
		c := *h
		if h.Last != nil {
			c.Last = make(map[string]float64, len(h.Last))
			for k, v := range h.Last {
				c.Last[k] = v
			}
		}
		out = append(out, c)
	}
	return out
}

// Subscribe returns a channel of committed events. A subscriber that falls
// more than buf events behind misses events (logged): the store, not this
// channel, is the record. Call the returned func to unsubscribe.
func (p *Pipeline) Subscribe(buf int) (<-chan event.Event, func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ch := make(chan event.Event, buf)
	id := p.nextID
	p.nextID++
	p.subs[id] = ch
	return ch, func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if c, ok := p.subs[id]; ok {
			delete(p.subs, id)
			close(c)
		}
	}
}

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

// Acknowledge records that the center acknowledged the alarm with this id:
// the evaluator stops escalating it and the "help is coming" LED lights.
func (p *Pipeline) Acknowledge(ctx context.Context, alarmID string) error {
	return p.Exec(ctx, func(now time.Time, eval Evaluator) []Action {
		acts := []Action{{Output: "led_help_coming", On: true}}
		for key, id := range p.active {
			if id != alarmID {
				continue
			}
			if h, ok := eval.(AckHandler); ok {
				acts = append(acts, h.Acknowledged(now, key)...)
			}
		}
		return acts
	})
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

// ActiveAlarms returns the ids of the alarms currently active, by key. It
// runs on the loop.
func (p *Pipeline) ActiveAlarms(ctx context.Context) (map[AlarmKey]string, error) {
	out := map[AlarmKey]string{}
	err := p.Exec(ctx, func(time.Time, Evaluator) []Action {
		for k, v := range p.active {
			out[k] = v
		}
		return nil
	})
	return out, err
}

// Run loads saved state and runs the loop until ctx is done. Before
// returning it commits every reading already queued, so a SIGTERM loses
// nothing the drivers reported.
func (p *Pipeline) Run(ctx context.Context) error {
	defer close(p.done)
	now := p.clock.Now()
	if err := p.restore(ctx, now); err != nil {
		return err
	}
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
	d := time.Hour
	if at, ok := p.eval.NextWake(); ok {
		d = at.Sub(p.clock.Now())
		if d < 0 {
			d = 0
		}
	}
	t.Reset(d)
}

func (p *Pipeline) restore(ctx context.Context, now time.Time) error {
	if data, err := p.store.GetState(ctx, stateActiveAlarms); err == nil {
		var saved []activeAlarm
		if err := json.Unmarshal(data, &saved); err != nil {
			return fmt.Errorf("pipeline: decode active alarms: %w", err)
		}
		for _, a := range saved {
			p.active[a.Key] = a.ID
		}
	} else if !errors.Is(err, ErrNoState) {
		return fmt.Errorf("pipeline: %w", err)
	}
	ss, ok := p.eval.(StateSaver)
	if !ok {
		return nil
	}
	data, err := p.store.GetState(ctx, stateEvaluator)
	if errors.Is(err, ErrNoState) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	acts, err := ss.LoadState(now, data)
	if err != nil {
		// Rules changed shape: start their timers afresh rather than not
		// start at all. Active alarms are kept.
		p.log.Error("saved rule state not usable; rule timers start afresh", "err", err)
		return nil
	}
	p.applyLogged(ctx, now, acts)
	return nil
}

type activeAlarm struct {
	Key AlarmKey `json:"key"`
	ID  string   `json:"id"`
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
		var acts []Action
		if ev := p.batteryNotice(r); ev != nil {
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

// BatteryRenotify is how often a battery still reported low is reported to
// the center again, in case the first notice went unheeded.
const BatteryRenotify = 24 * time.Hour

// batteryNotice turns a device's low-battery report into one low_battery
// event (a maintenance notice for the center, not an alarm), whatever the
// rules say: no sensor's dying battery may go unnoticed. A pendant repeats
// the flag with every transmission, so further reports are quiet until
// BatteryRenotify has passed; a report of a good battery ends the episode.
func (p *Pipeline) batteryNotice(r Reading) *event.Event {
	if r.Quantity != QBatteryLow {
		return nil
	}
	if r.Value == 0 {
		delete(p.battery, r.Sensor)
		return nil
	}
	if last, ok := p.battery[r.Sensor]; ok && r.Time.Sub(last) < BatteryRenotify {
		return nil
	}
	p.battery[r.Sensor] = r.Time
	return &event.Event{Kind: event.LowBattery, Severity: event.Low, Sensor: r.Sensor, Message: "battery low: replace it", Time: r.Time}
}

// healthChange updates a sensor's health and returns the event for a real
// transition: a fault reported twice is one fault event.
func (p *Pipeline) healthChange(s Status) *event.Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.health[s.Sensor]
	if h == nil {
		return nil
	}
	prev := h.Health
	h.Health, h.Reason = s.Health, s.Reason
	switch {
	case s.Health == event.HealthFault && prev != event.HealthFault:
		return &event.Event{Kind: event.SensorFault, Severity: event.High, Sensor: s.Sensor, Message: s.Reason, Time: s.Time}
	case s.Health == event.HealthOK && prev == event.HealthFault:
		return &event.Event{Kind: event.SensorRestored, Severity: event.Info, Sensor: s.Sensor, Message: "sensor working again", Time: s.Time}
	}
	return nil
}

func (p *Pipeline) applyLogged(ctx context.Context, now time.Time, acts []Action) {
	if err := p.apply(ctx, now, acts); err != nil {
		p.log.Error("commit events failed; will retry", "err", err, "pending", len(p.retry))
	}
}

// apply drives outputs and commits events. Events whose commit fails are
// kept and retried before anything newer, so order is kept and nothing is
// lost while the store recovers.
func (p *Pipeline) apply(ctx context.Context, now time.Time, acts []Action) error {
	activeChanged := false
	evs := p.retry
	var outs []Action
	for _, a := range acts {
		if a.Output != "" {
			outs = append(outs, a)
		}
		if a.Event == nil {
			continue
		}
		ev := *a.Event
		if !p.complete(now, &ev, &activeChanged) {
			continue
		}
		evs = append(evs, &ev)
	}
	state := map[string][]byte{}
	if activeChanged {
		list := make([]activeAlarm, 0, len(p.active))
		for k, id := range p.active {
			list = append(list, activeAlarm{Key: k, ID: id})
		}
		data, err := json.Marshal(list)
		if err != nil {
			return fmt.Errorf("pipeline: encode active alarms: %w", err)
		}
		state[stateActiveAlarms] = data
	}
	if ss, ok := p.eval.(StateSaver); ok {
		data, changed, err := ss.SaveState()
		if err != nil {
			p.log.Error("save rule state", "err", err)
		} else if changed {
			state[stateEvaluator] = data
		}
	}
	// Outputs first: the siren must sound even if the disk is failing.
	for _, a := range outs {
		p.setOutput(a.Output, a.On)
	}
	if len(evs) == 0 && len(state) == 0 {
		return nil
	}
	if err := p.store.Commit(ctx, evs, state); err != nil {
		p.retry = evs
		return err
	}
	p.retry = nil
	p.publish(evs)
	return nil
}

// complete fills in what the pipeline owns and applies the one-alarm-per-key
// lifecycle. It reports false for an event to drop.
func (p *Pipeline) complete(now time.Time, ev *event.Event, activeChanged *bool) bool {
	if ev.Time.IsZero() {
		ev.Time = now
	}
	if spec, ok := p.sensors[ev.Sensor]; ok {
		if ev.SensorKind == "" {
			ev.SensorKind = string(spec.Kind)
		}
		if ev.Room == "" {
			ev.Room = spec.Room
		}
	}
	if p.testMode.Load() {
		ev.Test = true
	}
	if p.unsure != nil && p.unsure() {
		ev.ClockUnsure = true
	}
	if ev.Severity == "" {
		ev.Severity = event.Info
	}
	if ev.ID == "" {
		ev.ID = event.NewID()
	}
	key := AlarmKey{Rule: ev.Rule, Sensor: ev.Sensor}
	switch ev.Kind {
	case event.AlarmRaised:
		if _, dup := p.active[key]; dup {
			return false
		}
		ev.AlarmID = ev.ID
		p.active[key] = ev.ID
		*activeChanged = true
	case event.AlarmCleared, event.AlarmCancelled:
		id, ok := p.active[key]
		if !ok {
			return ev.AlarmID != ""
		}
		ev.AlarmID = id
		delete(p.active, key)
		*activeChanged = true
	case event.AlarmEscalated:
		id, ok := p.active[key]
		if !ok {
			return false
		}
		ev.AlarmID = id
	}
	return true
}

func (p *Pipeline) setOutput(name string, on bool) {
	p.outMu.Lock()
	outs := p.outputs[name]
	p.outMu.Unlock()
	for _, o := range outs {
		if err := o.Set(on); err != nil {
			p.log.Error("drive output", "output", name, "on", on, "err", err)
		}
	}
}

func (p *Pipeline) publish(evs []*event.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, ev := range evs {
		p.log.Info("event", "seq", ev.Seq, "kind", ev.Kind, "severity", ev.Severity, "sensor", ev.Sensor, "msg", ev.Message, "test", ev.Test)
		for id, ch := range p.subs {
			select {
			case ch <- *ev:
			default:
				p.log.Warn("event subscriber too slow; event skipped for it", "subscriber", id, "seq", ev.Seq)
			}
		}
	}
}

// SetSensors replaces the sensor list after a config reload: health entries
// of removed sensors go, new ones start as unknown, kept ones keep their
// state.
func (p *Pipeline) SetSensors(ctx context.Context, specs []SensorSpec) error {
	return p.Exec(ctx, func(time.Time, Evaluator) []Action {
		p.mu.Lock()
		defer p.mu.Unlock()
		next := map[string]SensorSpec{}
		health := map[string]*SensorHealth{}
		for _, s := range specs {
			next[s.ID] = s
			h, ok := p.health[s.ID]
			if !ok {
				h = &SensorHealth{ID: s.ID, Health: event.HealthUnknown}
			}
			h.Kind, h.Room = string(s.Kind), s.Room
			health[s.ID] = h
		}
		p.sensors, p.health = next, health
		return nil
	})
}
