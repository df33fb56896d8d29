package rules

import (
	"fmt"
	"time"
)

// CheckWake reports an error when the engine's wake time is later than
// the earliest deadline of its units and alarms: a deadline was set
// without telling the engine, so it would fire late.
func CheckWake(e *Engine) error {
	if !e.started {
		return nil
	}
	var min time.Time
	for _, u := range e.units {
		if t := u.next(); !t.IsZero() && (min.IsZero() || t.Before(min)) {
			min = t
		}
	}
	for _, a := range e.alarms {
		if t := a.escalateAt; !t.IsZero() && (min.IsZero() || t.Before(min)) {
			min = t
		}
	}
	if min.IsZero() {
		return nil
	}
	if !e.wakeSet || e.wake.After(min) {
		return fmt.Errorf("wake %v (set %v) is after the earliest deadline %v", e.wake, e.wakeSet, min)
	}
	return nil
}
