package rules

import (
	"fmt"
	"time"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
)

// healthUnit watches one sensor for a health rule. A sensor silent for
// StaleAfter is faulty until it reports again; one whose digital input
// changed more than ChatterChanges times within ChatterPer is faulty until
// a whole ChatterPer passes within the limit. While faulty its readings go
// to no alarm rule, and the reading that ends the fault is only a baseline.
type healthUnit struct {
	rule     *Rule
	s        *sensor
	lastSeen time.Time
	stale    bool
	chatter  bool
	overAt   time.Time   // the last time the change rate was over the limit
	changes  []time.Time // ring of the last ChatterChanges+1 change times
	pos      int
	known    bool
	active   bool
}

func newHealthUnit(r *Rule, s *sensor) *healthUnit {
	u := &healthUnit{rule: r, s: s}
	if r.ChatterChanges > 0 {
		u.changes = make([]time.Time, r.ChatterChanges+1)
	}
	return u
}

func (u *healthUnit) key() gateway.AlarmKey { return gateway.AlarmKey{Rule: u.rule.ID, Sensor: u.s.id} }
func (u *healthUnit) faulty() bool          { return u.stale || u.chatter }

func (u *healthUnit) start(now time.Time) {
	if u.lastSeen.IsZero() {
		u.lastSeen = now
	}
}

func (u *healthUnit) reading(e *Engine, now time.Time, r *gateway.Reading) {
	u.lastSeen = now
	if u.stale {
		u.stale = false
		e.dirty = true
		e.schedule(u.next()) // no stale deadline while stale; now there is one
		if !u.chatter {
			u.report(e, event.SensorRestored, "reporting again")
		}
	}
	if u.changes == nil || r.Quantity != gateway.QActive {
		return
	}
	on := r.Value != 0
	if !u.known || on == u.active {
		u.known, u.active = true, on
		return
	}
	u.active = on
	u.changes[u.pos] = now
	u.pos = (u.pos + 1) % len(u.changes)
	oldest := u.changes[u.pos] // the change ChatterChanges+1 changes ago
	if oldest.IsZero() || now.Sub(oldest) > u.rule.ChatterPer {
		return
	}
	u.overAt = now
	e.schedule(now.Add(u.rule.ChatterPer))
	if !u.chatter {
		u.chatter = true
		e.dirty = true
		u.report(e, event.SensorFault, fmt.Sprintf("chattering: more than %d changes within %s", u.rule.ChatterChanges, human(u.rule.ChatterPer)))
	}
}

func (u *healthUnit) next() time.Time {
	var t time.Time
	if u.rule.StaleAfter > 0 && !u.stale {
		t = u.lastSeen.Add(u.rule.StaleAfter)
	}
	if u.chatter {
		if c := u.overAt.Add(u.rule.ChatterPer); t.IsZero() || c.Before(t) {
			t = c
		}
	}
	return t
}

func (u *healthUnit) tick(e *Engine, now time.Time) {
	was := u.faulty()
	if u.chatter && !u.overAt.Add(u.rule.ChatterPer).After(now) {
		u.chatter = false
		clear(u.changes)
		u.known = false
		e.dirty = true
		if !u.stale {
			u.report(e, event.SensorRestored, "stopped chattering")
		}
	}
	if u.rule.StaleAfter > 0 && !u.stale && !u.lastSeen.Add(u.rule.StaleAfter).After(now) {
		u.stale = true
		e.dirty = true
		if !was {
			u.report(e, event.SensorFault, fmt.Sprintf("no reading or heartbeat for %s", human(u.rule.StaleAfter)))
		}
	}
	if !was && u.faulty() {
		e.forget(u.s)
	}
}

func (u *healthUnit) report(e *Engine, kind event.Kind, msg string) {
	sev := event.High
	if kind == event.SensorRestored {
		sev = event.Info
	}
	e.event(event.Event{Kind: kind, Severity: sev, Rule: u.rule.ID, Sensor: u.s.id, Message: msg})
}

// save keeps the fault flags, so a restart does not report a fault twice.
// Staleness counts afresh from start-up.
func (u *healthUnit) save() (savedUnit, bool) {
	p := 0
	if u.stale {
		p |= 1
	}
	if u.chatter {
		p |= 2
	}
	return savedUnit{Phase: p, T1: u.overAt}, p != 0
}

func (u *healthUnit) load(s savedUnit, now time.Time, restart bool) {
	u.stale, u.chatter, u.overAt = s.Phase&1 != 0, s.Phase&2 != 0, s.T1
	if restart && u.chatter {
		u.overAt = now // judge the chatter afresh over a whole period
	}
}
