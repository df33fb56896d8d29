package rules

import (
	"fmt"
	"strconv"
	"time"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
)

// Threshold phases.
const (
	idle = iota
	pendingRaise
	raised
	pendingClear
)

// thresholdUnit is one sensor of a threshold rule: a value must stay beyond
// the raise level for RaiseAfter to raise, and back beyond the clear level
// for ClearAfter to clear. Levels between the two change nothing
// (hysteresis).
type thresholdUnit struct {
	rule   *Rule
	sensor string
	phase  int
	due    time.Time // when the pending raise or clear fires
	last   float64
	// unconfirmed is set after a restart in a hold time: the value may have
	// changed while the box was off, so nothing fires before a fresh
	// reading confirms it. The time off counts as held.
	unconfirmed bool
}

func (u *thresholdUnit) key() gateway.AlarmKey {
	return gateway.AlarmKey{Rule: u.rule.ID, Sensor: u.sensor}
}
func (u *thresholdUnit) start(time.Time) {}

func (u *thresholdUnit) beyondRaise(v float64) bool {
	if u.rule.Below {
		return v < u.rule.RaiseAt
	}
	return v > u.rule.RaiseAt
}

func (u *thresholdUnit) beyondClear(v float64) bool {
	if u.rule.Below {
		return v > u.rule.ClearAt
	}
	return v < u.rule.ClearAt
}

// forget drops pending hold times: a faulty sensor's values mean nothing.
// An active alarm stays; it clears only on good readings.
func (u *thresholdUnit) forget(string) {
	switch u.phase {
	case pendingRaise:
		u.phase = idle
	case pendingClear:
		u.phase = raised
	}
	u.due, u.unconfirmed = time.Time{}, false
}

func (u *thresholdUnit) reading(e *Engine, now time.Time, r *gateway.Reading, f flags) bool {
	if r.Quantity != u.rule.Quantity || f&faulty != 0 {
		return false
	}
	v := r.Value
	u.last = v
	if u.unconfirmed {
		u.unconfirmed = false
		e.schedule(u.due) // the held deadline counts again
	}
	switch u.phase {
	case idle:
		if u.beyondRaise(v) {
			u.set(e, pendingRaise, now.Add(u.rule.RaiseAfter))
		}
	case pendingRaise:
		if !u.beyondRaise(v) {
			u.set(e, idle, time.Time{})
		}
	case raised:
		if u.beyondClear(v) {
			u.set(e, pendingClear, now.Add(u.rule.ClearAfter))
		}
	case pendingClear:
		if !u.beyondClear(v) {
			u.set(e, raised, time.Time{})
		}
	}
	u.fire(e, now)
	return false
}

func (u *thresholdUnit) set(e *Engine, phase int, due time.Time) {
	u.phase, u.due = phase, due
	e.schedule(due)
	e.dirty = true
}

func (u *thresholdUnit) next() time.Time {
	if u.unconfirmed {
		return time.Time{}
	}
	return u.due
}

func (u *thresholdUnit) tick(e *Engine, now time.Time) {
	if !u.unconfirmed {
		u.fire(e, now)
	}
}

func (u *thresholdUnit) fire(e *Engine, now time.Time) {
	if u.due.IsZero() || u.due.After(now) {
		return
	}
	switch u.phase {
	case pendingRaise:
		u.set(e, raised, time.Time{})
		e.raise(now, u.rule, u.sensor, u.message(), map[string]float64{u.rule.Quantity: u.last})
	case pendingClear:
		u.set(e, idle, time.Time{})
		e.end(now, u.key(), event.AlarmCleared, fmt.Sprintf("%s back to %s for %s", u.rule.Quantity, num(u.last), human(u.rule.ClearAfter)))
	}
}

func (u *thresholdUnit) message() string {
	if u.rule.Message != "" {
		return u.rule.Message
	}
	dir := "above"
	if u.rule.Below {
		dir = "below"
	}
	return fmt.Sprintf("%s %s %s %s for %s", u.rule.Quantity, num(u.last), dir, num(u.rule.RaiseAt), human(u.rule.RaiseAfter))
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func (u *thresholdUnit) save() (savedUnit, bool) {
	return savedUnit{Phase: u.phase, T1: u.due, V: u.last}, u.phase != idle
}

func (u *thresholdUnit) load(s savedUnit, _ time.Time, restart bool) {
	u.phase, u.due, u.last = s.Phase, s.T1, s.V
	u.unconfirmed = restart && (u.phase == pendingRaise || u.phase == pendingClear)
}
