package rules

import (
	"fmt"
	"slices"
	"time"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
)

// flags qualify a reading for handlers.
type flags uint8

const (
	// consumed: an earlier handler used the reading to cancel an alarm (a
	// fall's cancel press); raise nothing for it.
	consumed flags = 1 << iota
	// faulty: the sensor is faulty (chattering, driver fault). Track its
	// state so the first change after recovery is a real edge, but raise,
	// cancel or count nothing on it.
	faulty
)

// handler is a rule's part that listens to one sensor's readings.
type handler interface {
	// reading handles r and reports whether it consumed it.
	reading(e *Engine, now time.Time, r *gateway.Reading, f flags) bool
	// forget drops edges and pending hold times of sensor: it went faulty,
	// so its next reading is a new baseline, never an alarm by itself.
	forget(sensor string)
}

// unit is a rule's part with timers and state.
type unit interface {
	start(now time.Time)
	// tick fires what is due at now; afterwards next() is zero or after now.
	tick(e *Engine, now time.Time)
	next() time.Time
	key() gateway.AlarmKey
	save() (savedUnit, bool)
	load(s savedUnit, now time.Time, restart bool)
}

// sensor is one sensor's readings route.
type sensor struct {
	id          string
	health      *healthUnit
	handlers    []handler
	driverFault bool
}

func (s *sensor) faulty() bool {
	return s.driverFault || (s.health != nil && s.health.faulty())
}

// alarm is an active alarm of one (rule, sensor) key.
type alarm struct {
	key         gateway.AlarmKey
	rule        *Rule
	raised      time.Time
	acked       bool
	escalateAt  time.Time
	escalations int
	siren       bool
}

// Engine evaluates a rule set. It implements gateway.Evaluator,
// gateway.AckHandler, gateway.Resetter and gateway.StateSaver. It is not
// safe for concurrent use: the pipeline calls it from its one loop.
type Engine struct {
	rules   []*Rule
	loc     *time.Location
	sensors map[string]*sensor
	units   []unit
	byKey   map[gateway.AlarmKey]unit
	alarms  []*alarm
	out     []gateway.Action
	cur     gateway.Reading // the reading being handled, so it does not escape

	started bool
	wake    time.Time // a lower bound of the next deadline
	wakeSet bool
	dirty   bool
	sirenOn bool
}

var (
	_ gateway.Evaluator  = (*Engine)(nil)
	_ gateway.AckHandler = (*Engine)(nil)
	_ gateway.Resetter   = (*Engine)(nil)
	_ gateway.StateSaver = (*Engine)(nil)
)

// New builds an engine. The rules must come validated from rulesfile; New
// checks only the invariants it relies on.
func New(rs []Rule, opt Options) (*Engine, error) {
	e := &Engine{
		loc:     opt.Location,
		sensors: map[string]*sensor{},
		byKey:   map[gateway.AlarmKey]unit{},
	}
	if e.loc == nil {
		e.loc = time.UTC
	}
	seen := map[string]bool{}
	for i := range rs {
		r := rs[i]
		r.Sensors = slices.Clone(r.Sensors)
		if err := r.check(); err != nil {
			return nil, err
		}
		if seen[r.ID] {
			return nil, fmt.Errorf("%w: duplicate id %q", ErrInvalid, r.ID)
		}
		seen[r.ID] = true
		e.rules = append(e.rules, &r)
		if err := e.build(&r); err != nil {
			return nil, err
		}
	}
	// A fall's cancel press is seen before the button's own rule, which
	// then raises nothing for it.
	for _, s := range e.sensors {
		slices.SortStableFunc(s.handlers, func(a, b handler) int {
			_, ca := a.(*fallCancel)
			_, cb := b.(*fallCancel)
			switch {
			case ca && !cb:
				return -1
			case cb && !ca:
				return 1
			}
			return 0
		})
	}
	return e, nil
}

func (e *Engine) route(id string) *sensor {
	s := e.sensors[id]
	if s == nil {
		s = &sensor{id: id}
		e.sensors[id] = s
	}
	return s
}

func (e *Engine) add(u unit) error {
	k := u.key()
	if _, dup := e.byKey[k]; dup {
		return fmt.Errorf("%w %q: sensor %q listed twice", ErrInvalid, k.Rule, k.Sensor)
	}
	e.byKey[k] = u
	e.units = append(e.units, u)
	return nil
}

func (e *Engine) build(r *Rule) error {
	switch r.Kind {
	case Digital:
		for _, id := range r.Sensors {
			u := &digitalUnit{rule: r, sensor: id}
			if err := e.add(u); err != nil {
				return err
			}
			e.route(id).handlers = append(e.route(id).handlers, u)
		}
	case Threshold:
		for _, id := range r.Sensors {
			u := &thresholdUnit{rule: r, sensor: id}
			if err := e.add(u); err != nil {
				return err
			}
			e.route(id).handlers = append(e.route(id).handlers, u)
		}
	case Fall:
		for _, id := range r.Sensors {
			u := &fallUnit{rule: r, sensor: id}
			if err := e.add(u); err != nil {
				return err
			}
			e.route(id).handlers = append(e.route(id).handlers, u)
			for _, b := range r.CancelBy {
				e.route(b).handlers = append(e.route(b).handlers, &fallCancel{u})
			}
		}
	case Inactivity:
		u := &inactivityUnit{rule: r, loc: e.loc}
		if err := e.add(u); err != nil {
			return err
		}
		for _, id := range r.Sensors {
			e.route(id).handlers = append(e.route(id).handlers, u)
		}
	case NightDoor:
		u := &nightDoorUnit{rule: r, loc: e.loc}
		if err := e.add(u); err != nil {
			return err
		}
		e.route(r.Door).handlers = append(e.route(r.Door).handlers, u)
		for _, id := range r.Inside {
			e.route(id).handlers = append(e.route(id).handlers, u)
		}
	case Health:
		for _, id := range r.Sensors {
			s := e.route(id)
			if s.health != nil {
				return fmt.Errorf("%w %q: sensor %q already watched by health rule %q", ErrInvalid, r.ID, id, s.health.rule.ID)
			}
			u := newHealthUnit(r, s)
			if err := e.add(u); err != nil {
				return err
			}
			s.health = u
		}
	}
	return nil
}

// Rules returns the ids of the engine's rules, in file order.
func (e *Engine) Rules() []string {
	ids := make([]string, len(e.rules))
	for i, r := range e.rules {
		ids[i] = r.ID
	}
	return ids
}

// begin starts the engine's timers on its first call: staleness and
// inactivity count from then.
func (e *Engine) begin(now time.Time) {
	if e.started {
		return
	}
	e.started = true
	for _, u := range e.units {
		u.start(now)
	}
	e.rewake()
}

func (e *Engine) flush() []gateway.Action {
	out := e.out
	e.out = nil
	return out
}

// schedule lowers the wake time to t. Deadlines that move later leave an
// early wake behind; Tick then recomputes it exactly.
func (e *Engine) schedule(t time.Time) {
	if t.IsZero() {
		return
	}
	if !e.wakeSet || t.Before(e.wake) {
		e.wake, e.wakeSet = t, true
	}
}

func (e *Engine) rewake() {
	e.wakeSet = false
	for _, u := range e.units {
		e.schedule(u.next())
	}
	for _, a := range e.alarms {
		e.schedule(a.escalateAt)
	}
}

// Reading implements gateway.Evaluator.
func (e *Engine) Reading(now time.Time, r gateway.Reading) []gateway.Action {
	e.begin(now)
	s := e.sensors[r.Sensor]
	if s == nil {
		return e.flush()
	}
	e.cur = r
	rp := &e.cur
	was := s.faulty()
	if s.health != nil {
		s.health.reading(e, now, rp)
	}
	var f flags
	if s.faulty() {
		f = faulty
		if !was {
			e.forget(s)
		}
	}
	if r.Quantity == gateway.QHeartbeat {
		return e.flush()
	}
	for _, h := range s.handlers {
		if h.reading(e, now, rp, f) {
			f |= consumed
		}
	}
	return e.flush()
}

// Status implements gateway.Evaluator. The pipeline commits the driver's
// fault event itself; the engine forgets the sensor's edges, so the reading
// after recovery is a baseline and never an alarm by itself.
func (e *Engine) Status(now time.Time, st gateway.Status) []gateway.Action {
	e.begin(now)
	s := e.sensors[st.Sensor]
	if s == nil {
		return e.flush()
	}
	was := s.faulty()
	s.driverFault = st.Health == event.HealthFault
	if (!was && s.faulty()) || st.Health == event.HealthUnknown {
		e.forget(s)
	}
	return e.flush()
}

func (e *Engine) forget(s *sensor) {
	for _, h := range s.handlers {
		h.forget(s.id)
	}
}

// Tick implements gateway.Evaluator.
func (e *Engine) Tick(now time.Time) []gateway.Action {
	e.begin(now)
	e.tick(now)
	return e.flush()
}

func (e *Engine) tick(now time.Time) {
	for _, u := range e.units {
		if t := u.next(); !t.IsZero() && !t.After(now) {
			u.tick(e, now)
		}
	}
	for _, a := range e.alarms {
		if a.escalateAt.IsZero() || a.escalateAt.After(now) {
			continue
		}
		a.escalations++
		a.escalateAt = time.Time{}
		if rep := a.rule.Escalate.Repeat; rep > 0 {
			a.escalateAt = now.Add(rep)
		}
		e.dirty = true
		e.event(event.Event{
			Kind: event.AlarmEscalated, Severity: a.rule.Severity, Rule: a.key.Rule, Sensor: a.key.Sensor,
			Message: fmt.Sprintf("not acknowledged by the center %s after the alarm (escalation %d)", human(now.Sub(a.raised)), a.escalations),
		})
		if a.rule.Escalate.Siren {
			a.siren = true
			e.siren(true)
		}
	}
	e.rewake()
}

// NextWake implements gateway.Evaluator. Before its first call the engine
// asks to be ticked at once, so that staleness counts from start-up. The
// time may be early (a deadline moved later); Tick then fires nothing.
func (e *Engine) NextWake() (time.Time, bool) {
	if !e.started {
		return time.Time{}, true
	}
	return e.wake, e.wakeSet
}

// Acknowledged implements gateway.AckHandler: escalation stops, and alarms
// that end on acknowledgement (buttons, falls) are closed so the next press
// raises a new one.
func (e *Engine) Acknowledged(now time.Time, key gateway.AlarmKey) []gateway.Action {
	e.begin(now)
	if a := e.alarm(key); a != nil && !a.acked {
		a.acked = true
		a.escalateAt = time.Time{}
		e.dirty = true
		if a.rule.Kind == Fall || (a.rule.Kind == Digital && a.rule.Until == UntilAck) {
			e.end(now, key, event.AlarmCleared, "acknowledged by the center")
		}
	}
	return e.flush()
}

// Reset implements gateway.Resetter: latched alarms are cleared and the
// siren silenced. A smoke input still active raises a new alarm at once.
func (e *Engine) Reset(now time.Time) []gateway.Action {
	e.begin(now)
	var again []*digitalUnit
	for _, u := range e.units {
		d, ok := u.(*digitalUnit)
		if !ok || d.rule.Until != UntilReset {
			continue
		}
		if e.end(now, d.key(), event.AlarmCleared, "reset at the box") && d.known && d.on {
			again = append(again, d)
		}
	}
	for _, a := range e.alarms {
		a.siren = false
	}
	e.siren(false)
	for _, d := range again {
		e.raise(now, d.rule, d.sensor, d.message("still active after reset"), nil)
	}
	return e.flush()
}

func (e *Engine) alarm(key gateway.AlarmKey) *alarm {
	for _, a := range e.alarms {
		if a.key == key {
			return a
		}
	}
	return nil
}

func (e *Engine) active(key gateway.AlarmKey) bool { return e.alarm(key) != nil }

func (e *Engine) event(ev event.Event) {
	e.out = append(e.out, gateway.Action{Event: &ev})
}

func (e *Engine) siren(on bool) {
	if e.sirenOn == on {
		return
	}
	e.sirenOn = on
	e.out = append(e.out, gateway.Action{Output: "siren", On: on})
}

// raise opens the alarm of (r, sensor) unless one is active. It reports
// whether it raised.
func (e *Engine) raise(now time.Time, r *Rule, sensor, msg string, values map[string]float64) bool {
	key := gateway.AlarmKey{Rule: r.ID, Sensor: sensor}
	if e.active(key) {
		return false
	}
	a := &alarm{key: key, rule: r, raised: now, siren: r.Siren}
	if r.Escalate.After > 0 {
		a.escalateAt = now.Add(r.Escalate.After)
		e.schedule(a.escalateAt)
	}
	e.alarms = append(e.alarms, a)
	e.dirty = true
	e.event(event.Event{Kind: event.AlarmRaised, Severity: r.Severity, Rule: r.ID, Sensor: sensor, Message: msg, Values: values})
	if a.siren {
		e.siren(true)
	}
	return true
}

// end closes the active alarm of key with a cleared or cancelled event. It
// reports whether one was active.
func (e *Engine) end(now time.Time, key gateway.AlarmKey, kind event.Kind, msg string) bool {
	i := slices.IndexFunc(e.alarms, func(a *alarm) bool { return a.key == key })
	if i < 0 {
		return false
	}
	a := e.alarms[i]
	e.alarms = slices.Delete(e.alarms, i, i+1)
	e.dirty = true
	e.event(event.Event{Kind: kind, Severity: event.Info, Rule: key.Rule, Sensor: key.Sensor, Message: msg})
	if a.siren && !slices.ContainsFunc(e.alarms, func(a *alarm) bool { return a.siren }) {
		e.siren(false)
	}
	return true
}
