// The engine's alarms: one active alarm per (rule, sensor) key with its
// escalation state; raising and ending it, acknowledgement and reset, and the
// siren they drive. Escalations fire from the engine's tick.

package rules

import (
	"slices"
	"time"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
)

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

// Acknowledged implements gateway.AckHandler: escalation stops, and alarms
// that end on acknowledgement (buttons, falls) are closed so the next press
// raises a new one.
func (e *Engine) Acknowledged(wall time.Time, key gateway.AlarmKey) []gateway.Action {
	now := e.begin(wall)
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
func (e *Engine) Reset(wall time.Time) []gateway.Action {
	now := e.begin(wall)
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

// Silence implements gateway.Silencer: the siren stops for the alarms
// active now; a new alarm or an escalation with a siren sounds it again.
func (e *Engine) Silence(wall time.Time) []gateway.Action {
	e.begin(wall)
	for _, a := range e.alarms {
		if a.siren {
			a.siren, e.dirty = false, true
		}
	}
	e.sirenOn = true // the siren may be on without the rules (a test): switch it off whatever they think
	e.siren(false)
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

// raise opens the alarm of (r, sensor). With one active already (latched
// smoke coming back, a button pressed again) it records a repeat of that
// alarm instead, which sounds a silenced siren again. It reports whether it
// raised a new alarm.
func (e *Engine) raise(now time.Time, r *Rule, sensor, msg string, values map[string]float64) bool {
	key := gateway.AlarmKey{Rule: r.ID, Sensor: sensor}
	if a := e.alarm(key); a != nil {
		e.event(event.Event{Kind: event.AlarmRepeated, Severity: r.Severity, Rule: r.ID, Sensor: sensor, Message: "again: " + msg, Values: values})
		if r.Siren && !a.siren {
			a.siren, e.dirty = true, true
			e.siren(true)
		}
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
