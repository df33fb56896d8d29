package gateway

import (
	"fmt"
	"time"

	"github.com/safehub-iot/safehub/event"
)

// BuiltinAlarmKinds are the sensor kinds the built-in mapping raises
// alarms for (check-config warns about sensors of other kinds when no rules
// file is given).
var BuiltinAlarmKinds = []event.SensorKind{event.CallButton, event.Pendant, event.Smoke}

// BuiltinRules is the minimal mapping the box uses when no rules file is
// configured: a call button raises a critical alarm, smoke raises a critical
// alarm that stays latched until reset, mains lost is a medium event, and
// a door's changes are recorded. One alarm per sensor is active at a time, so
// a button pressed ten times is one alarm (and nine repeats of it, which the
// pipeline makes of the raises) until the center acknowledges it.
type BuiltinRules struct {
	kinds  map[string]event.SensorKind // sensor id -> kind
	active map[string]bool             // sensor id -> an alarm is active
	seen   map[string]bool             // sensor id -> a first reading arrived
}

// NewBuiltinRules builds the mapping for the given sensors.
func NewBuiltinRules(sensors []SensorSpec) *BuiltinRules {
	b := &BuiltinRules{kinds: map[string]event.SensorKind{}, active: map[string]bool{}, seen: map[string]bool{}}
	for _, s := range sensors {
		b.kinds[s.ID] = s.Kind
	}
	return b
}

func raise(sensor, rule, msg string, sev event.Severity) *event.Event {
	return &event.Event{Kind: event.AlarmRaised, Severity: sev, Sensor: sensor, Rule: rule, Message: msg}
}

// Reading implements Evaluator.
func (b *BuiltinRules) Reading(now time.Time, r Reading) []Action {
	if r.Quantity != QActive && r.Quantity != QPress {
		return nil
	}
	on := r.Value != 0
	switch kind := b.kinds[r.Sensor]; kind {
	case event.CallButton, event.Pendant:
		// Pressed again while its alarm is active: the pipeline records
		// the raise as a repeat of that alarm.
		if !on {
			return nil
		}
		b.active[r.Sensor] = true
		return []Action{{Event: raise(r.Sensor, "builtin.button", "emergency call button pressed", event.Critical)}}
	case event.Smoke:
		if !on {
			return nil
		}
		b.active[r.Sensor] = true
		return []Action{{Event: raise(r.Sensor, "builtin.smoke", "smoke detected", event.Critical)}, {Output: "siren", On: true}}
	case event.MainsPower:
		if on {
			return []Action{{Event: &event.Event{Kind: event.MainsLost, Severity: event.Medium, Sensor: r.Sensor, Message: "mains power lost, running on battery"}}}
		}
		return []Action{{Event: &event.Event{Kind: event.MainsRestored, Severity: event.Info, Sensor: r.Sensor, Message: "mains power restored"}}}
	case event.Door:
		// The first reading only tells the state at start-up: not an event.
		if first := !b.seen[r.Sensor]; first {
			b.seen[r.Sensor] = true
			return nil
		}
		state := "closed"
		if on {
			state = "opened"
		}
		return []Action{{Event: &event.Event{Kind: event.StateChange, Severity: event.Info, Sensor: r.Sensor, Message: "door " + state, Values: map[string]float64{QActive: r.Value}}}}
	}
	return nil
}

// Status implements Evaluator. Faults are committed by the pipeline.
func (b *BuiltinRules) Status(time.Time, Status) []Action { return nil }

// Tick implements Evaluator; the built-in mapping has no timers.
func (b *BuiltinRules) Tick(time.Time) []Action { return nil }

// NextWake implements Evaluator.
func (b *BuiltinRules) NextWake() (time.Time, bool) { return time.Time{}, false }

// Acknowledged implements AckHandler: the alarm's sensor may raise again.
// A smoke alarm stays latched until Reset.
func (b *BuiltinRules) Acknowledged(_ time.Time, key AlarmKey) []Action {
	if b.kinds[key.Sensor] != event.Smoke {
		delete(b.active, key.Sensor)
	}
	return nil
}

// Reset implements Resetter: latched smoke alarms are cleared and the siren
// silenced.
func (b *BuiltinRules) Reset(now time.Time) []Action {
	var acts []Action
	for s := range b.active {
		if b.kinds[s] == event.Smoke {
			acts = append(acts, Action{Event: &event.Event{Kind: event.AlarmCleared, Severity: event.Info, Sensor: s, Rule: "builtin.smoke", Message: fmt.Sprintf("smoke alarm on %s reset", s)}})
			delete(b.active, s)
		}
	}
	return append(acts, Action{Output: "siren", On: false})
}
