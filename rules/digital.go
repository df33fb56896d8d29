package rules

import (
	"time"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
)

// digitalUnit is one sensor of a digital rule. Inputs are edge-triggered.
// At start-up an input is taken as idle, so one already active (a box
// booting on battery, an RF smoke detector whose only report is "alarm")
// is an edge; after a fault the first reading is a baseline, so a sensor
// coming back never raises by itself. A pendant's press is an event, not
// a level, and always counts.
type digitalUnit struct {
	rule   *Rule
	sensor string
	known  bool
	on     bool
	holdAt time.Time // the input went active; raise when Hold has passed
	// confirm: holdAt was saved before a restart; it raises only once a
	// fresh reading confirms the input is still active.
	confirm bool
}

func (u *digitalUnit) key() gateway.AlarmKey {
	return gateway.AlarmKey{Rule: u.rule.ID, Sensor: u.sensor}
}
func (u *digitalUnit) start(time.Time) { u.known = true }
func (u *digitalUnit) forget(string) {
	u.known, u.on, u.holdAt, u.confirm = false, false, time.Time{}, false
}

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
		e.dirty = true
		return false
	}
	if on == u.on {
		if on && u.confirm && f == 0 {
			u.confirm = false
			u.holdOn(e, now)
		}
		return false
	}
	u.on, u.confirm = on, false
	e.dirty = true
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

// holdOn goes on with a restored hold time that a reading confirmed: it
// raises now if the time ran out meanwhile.
func (u *digitalUnit) holdOn(e *Engine, now time.Time) {
	if u.holdAt.After(now) {
		e.schedule(u.holdAt)
		return
	}
	u.tick(e, now)
}

func (u *digitalUnit) next() time.Time {
	if u.confirm {
		return time.Time{}
	}
	return u.holdAt
}

func (u *digitalUnit) tick(e *Engine, now time.Time) {
	if !u.confirm && !u.holdAt.IsZero() && !u.holdAt.After(now) {
		u.holdAt = time.Time{}
		e.dirty = true
		e.raise(now, u.rule, u.sensor, u.message(u.sensor+" triggered"), nil)
	}
}

// save keeps an active input and its running hold time (Phase 1: on, T1:
// when the hold ends), so a restart neither forgets a power cut 20 s into
// its 30 s nor mistakes the input still active for a new edge.
func (u *digitalUnit) save() (savedUnit, bool) {
	return savedUnit{Phase: 1, T1: u.holdAt}, u.known && u.on
}

// load restores a saved active input. After a restart a running hold time
// waits for a fresh reading to confirm the input (confirm); a reload
// carries it on as it was.
func (u *digitalUnit) load(s savedUnit, _ time.Time, restart bool) {
	u.known, u.on, u.holdAt = true, s.Phase == 1, s.T1
	u.confirm = restart && !s.T1.IsZero()
}

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
