package rules

import (
	"time"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
)

// digitalUnit is one sensor of a digital rule. Inputs are edge-triggered:
// the first reading after start-up or a fault is a baseline, so a sensor
// coming back never raises by itself. A pendant's press is an event, not a
// level, and always counts.
type digitalUnit struct {
	rule   *Rule
	sensor string
	known  bool
	on     bool
	holdAt time.Time // the input went active; raise when Hold has passed
}

func (u *digitalUnit) key() gateway.AlarmKey {
	return gateway.AlarmKey{Rule: u.rule.ID, Sensor: u.sensor}
}
func (u *digitalUnit) start(time.Time) {}
func (u *digitalUnit) forget(string)   { u.known, u.on, u.holdAt = false, false, time.Time{} }

func (u *digitalUnit) message(def string) string {
	if u.rule.Message != "" {
		return u.rule.Message
	}
	return def
}

func (u *digitalUnit) reading(e *Engine, now time.Time, r *gateway.Reading, f flags) bool {
	switch r.Quantity {
	case gateway.QPress:
		if r.Value != 0 && f == 0 {
			e.raise(now, u.rule, u.sensor, u.message("emergency button pressed"), nil)
		}
		return false
	case gateway.QActive:
	default:
		return false
	}
	on := r.Value != 0
	if !u.known {
		u.known, u.on = true, on
		return false
	}
	if on == u.on {
		return false
	}
	u.on = on
	if !on {
		u.holdAt = time.Time{}
		if u.rule.Until == UntilRelease && f&faulty == 0 {
			e.end(now, u.key(), event.AlarmCleared, u.sensor+" back to idle")
		}
		return false
	}
	if f != 0 {
		return false
	}
	if u.rule.Hold > 0 {
		u.holdAt = now.Add(u.rule.Hold)
		e.schedule(u.holdAt)
		return false
	}
	e.raise(now, u.rule, u.sensor, u.message(u.sensor+" triggered"), nil)
	return false
}

func (u *digitalUnit) next() time.Time { return u.holdAt }

func (u *digitalUnit) tick(e *Engine, now time.Time) {
	if !u.holdAt.IsZero() && !u.holdAt.After(now) {
		u.holdAt = time.Time{}
		e.raise(now, u.rule, u.sensor, u.message(u.sensor+" triggered"), nil)
	}
}

// Hold times are seconds long and not worth saving; latched alarms are
// saved with the engine's active alarms.
func (u *digitalUnit) save() (savedUnit, bool)         { return savedUnit{}, false }
func (u *digitalUnit) load(savedUnit, time.Time, bool) {}

// fallUnit is one fall sensor of a fall rule. The alarm is raised at once,
// so it reaches the center fast; within the cancel window a press on a
// CancelBy sensor or the sensor reporting the person up cancels it as
// resolved locally. After the window it stays until acknowledged.
type fallUnit struct {
	rule   *Rule
	sensor string
	known  bool
	on     bool
	until  time.Time // end of the cancel window
}

func (u *fallUnit) key() gateway.AlarmKey { return gateway.AlarmKey{Rule: u.rule.ID, Sensor: u.sensor} }
func (u *fallUnit) start(time.Time)       {}
func (u *fallUnit) forget(string)         { u.known, u.on = false, false }
func (u *fallUnit) next() time.Time       { return u.until }

func (u *fallUnit) reading(e *Engine, now time.Time, r *gateway.Reading, f flags) bool {
	if r.Quantity != gateway.QFall {
		return false
	}
	on := r.Value != 0
	if !u.known {
		u.known, u.on = true, on
		return false
	}
	if on == u.on {
		return false
	}
	u.on = on
	if f&faulty != 0 {
		return false
	}
	if !on {
		u.cancel(e, now, "person reported up by the sensor")
		return false
	}
	msg := u.rule.Message
	if msg == "" {
		msg = "fall detected"
	}
	if e.raise(now, u.rule, u.sensor, msg, nil) && u.rule.CancelWindow > 0 {
		u.until = now.Add(u.rule.CancelWindow)
		e.schedule(u.until)
		e.dirty = true
	}
	return false
}

// cancel ends the alarm if the cancel window is open. It reports whether
// it did.
func (u *fallUnit) cancel(e *Engine, now time.Time, why string) bool {
	if u.until.IsZero() || now.After(u.until) {
		return false
	}
	u.until = time.Time{}
	e.dirty = true
	return e.end(now, u.key(), event.AlarmCancelled, "resolved locally: "+why)
}

func (u *fallUnit) tick(e *Engine, now time.Time) {
	if !u.until.IsZero() && !u.until.After(now) {
		u.until = time.Time{}
		e.dirty = true
	}
}

func (u *fallUnit) save() (savedUnit, bool) {
	return savedUnit{T1: u.until}, !u.until.IsZero()
}

func (u *fallUnit) load(s savedUnit, _ time.Time, _ bool) { u.until = s.T1 }

// fallCancel routes a CancelBy sensor's press to its fall unit.
type fallCancel struct{ u *fallUnit }

func (c *fallCancel) forget(string) {}

func (c *fallCancel) reading(e *Engine, now time.Time, r *gateway.Reading, f flags) bool {
	if f&faulty != 0 || (r.Quantity != gateway.QPress && r.Quantity != gateway.QActive) || r.Value == 0 {
		return false
	}
	return c.u.cancel(e, now, "button pressed in the cancel window")
}
