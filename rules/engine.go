// The Engine and its evaluation loop: how a reading, a driver status and a
// timer tick reach the rules' units, and when the engine asks to be woken.

package rules

import (
	"fmt"
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

// Engine evaluates a rule set. It implements gateway.Evaluator,
// gateway.AckHandler, gateway.Resetter, gateway.Silencer and gateway.StateSaver. It is not
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
	clk     clock           // every time below is on its timeline (clock.go)

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
	_ gateway.Silencer   = (*Engine)(nil)
)

// Rules returns the ids of the engine's rules, in file order.
func (e *Engine) Rules() []string {
	ids := make([]string, len(e.rules))
	for i, r := range e.rules {
		ids[i] = r.ID
	}
	return ids
}

// begin takes the wall time of a call onto the engine's timeline and
// returns it. Its first call starts the engine's timers: staleness and
// inactivity count from then. A stepped wall clock moves the daily
// windows, not the timers.
func (e *Engine) begin(wall time.Time) time.Time {
	now, jumped := e.clk.at(wall)
	if !e.started {
		e.started = true
		for _, u := range e.units {
			u.start(now)
		}
		e.rewake()
		return now
	}
	if jumped {
		for _, u := range e.units {
			if w, ok := u.(interface{ wallStepped() }); ok {
				w.wallStepped()
			}
		}
		e.rewake()
	}
	return now
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
func (e *Engine) Reading(wall time.Time, r gateway.Reading) []gateway.Action {
	now := e.begin(wall)
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
func (e *Engine) Status(wall time.Time, st gateway.Status) []gateway.Action {
	e.begin(wall)
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
func (e *Engine) Tick(wall time.Time) []gateway.Action {
	e.tick(e.begin(wall))
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
// It is the deadline's distance from the last time the engine was given,
// added to that time: with times from time.Now, t.Sub(time.Now()) is
// measured on the monotonic clock.
func (e *Engine) NextWake() (time.Time, bool) {
	if !e.started {
		return time.Time{}, true
	}
	if !e.wakeSet {
		return time.Time{}, false
	}
	return e.clk.toCaller(e.wake), true
}
