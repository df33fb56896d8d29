package rules

import (
	"fmt"
	"time"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
)

// span returns the first occurrence of w, in loc, that ends after t. Window
// edges are local clock times, so a window keeps its local hours across a
// daylight-saving change; on that day it is an hour shorter or longer.
func (w Window) span(t time.Time, loc *time.Location) (start, end time.Time) {
	l := t.In(loc)
	y, m, d := l.Date()
	for off := -1; off <= 1; off++ {
		start = time.Date(y, m, d+off, w.From/60, w.From%60, 0, 0, loc)
		endDay := d + off
		if w.To <= w.From {
			endDay++
		}
		end = time.Date(y, m, endDay, w.To/60, w.To%60, 0, 0, loc)
		if end.After(t) {
			return start, end
		}
	}
	return start, end
}

// isActivity reports whether r shows someone moving about.
func isActivity(r *gateway.Reading) bool {
	switch r.Quantity {
	case gateway.QActive, gateway.QPress, gateway.QPresence:
		return r.Value != 0
	}
	return false
}

// inactivityUnit is an inactivity rule. Quiet time counts from the later
// of the last activity and the window's opening; the alarm is raised when
// it reaches Quiet inside the window. When nothing was seen in the whole
// window, it is raised at the window's end at the latest, so a window made
// shorter by a clock change still raises.
type inactivityUnit struct {
	rule    *Rule
	loc     *time.Location
	clk     *clock    // windows are wall times; the times below are not
	last    time.Time // last activity seen
	from    time.Time // windows ending after this are still to judge
	alarmed bool
	due     time.Time
	valid   bool      // due is up to date
	saved   time.Time // last activity as last saved
}

func (u *inactivityUnit) key() gateway.AlarmKey { return gateway.AlarmKey{Rule: u.rule.ID} }
func (u *inactivityUnit) forget(string)         {}

// wallStepped recomputes the deadline: the window moved on the timeline.
func (u *inactivityUnit) wallStepped() { u.valid = false }

// span is Window.span on the engine's timeline: the window is judged by
// the wall clock as it reads now.
func (u *inactivityUnit) span(t time.Time) (start, end time.Time) {
	s, e := u.rule.Window.span(u.clk.wall(t), u.loc)
	return u.clk.fromWall(s), u.clk.fromWall(e)
}

func (u *inactivityUnit) start(now time.Time) {
	if u.from.IsZero() {
		u.from = now
	}
	u.valid = false
}

func (u *inactivityUnit) reading(e *Engine, now time.Time, r *gateway.Reading, f flags) bool {
	if !isActivity(r) || f&faulty != 0 {
		return false
	}
	u.last = now
	if now.After(u.from) {
		u.from = now
	}
	u.valid = false
	if u.alarmed {
		u.alarmed = false
		e.end(now, u.key(), event.AlarmCleared, "activity seen on "+r.Sensor)
		e.dirty = true
		e.schedule(u.next()) // no deadline while alarmed; now there is one
	}
	// Saved at most once a minute: a restart loses under a minute of it.
	if now.Sub(u.saved) >= time.Minute {
		e.dirty = true
	}
	return false
}

// next returns the time the alarm is due. Activity only ever moves it
// later, so readings need not reschedule the engine.
func (u *inactivityUnit) next() time.Time {
	if u.alarmed {
		return time.Time{}
	}
	if !u.valid {
		u.due, u.valid = u.compute(), true
	}
	return u.due
}

func (u *inactivityUnit) compute() time.Time {
	ws, we := u.span(u.from)
	for range 3 {
		ref := ws
		if u.last.After(ref) {
			ref = u.last
		}
		d := ref.Add(u.rule.Quiet)
		if !u.last.After(ws) && d.After(we) {
			d = we
		}
		if !d.After(we) {
			return d
		}
		ws, we = u.span(we)
	}
	return time.Time{}
}

func (u *inactivityUnit) tick(e *Engine, now time.Time) {
	d := u.next()
	if d.IsZero() || d.After(now) {
		return
	}
	ws, _ := u.span(d.Add(-time.Nanosecond))
	since := ws
	if u.last.After(since) {
		since = u.last
	}
	msg := u.rule.Message
	if msg == "" {
		msg = fmt.Sprintf("no activity since %s (window %s)", u.clk.wall(since).In(u.loc).Format("15:04"), u.rule.Window)
	}
	if now.Sub(d) > time.Minute {
		msg += fmt.Sprintf("; judged at %s, the box was not running when it fell due", u.clk.wall(now).In(u.loc).Format("15:04"))
	}
	u.alarmed = true
	u.from, u.valid = d, false
	e.dirty = true
	e.raise(now, u.rule, "", msg, nil)
}

func (u *inactivityUnit) save() (savedUnit, bool) {
	u.saved = u.last
	p := 0
	if u.alarmed {
		p = 1
	}
	return savedUnit{Phase: p, T1: u.last, T2: u.from}, true
}

// load restores the unit. After a restart only the latest window that has
// opened is judged: windows missed entirely while the box was off are not
// raised one by one, days later.
func (u *inactivityUnit) load(s savedUnit, now time.Time, restart bool) {
	u.alarmed, u.last, u.from, u.saved, u.valid = s.Phase == 1, s.T1, s.T2, s.T1, false
	if !restart {
		return
	}
	ws, _ := u.span(now)
	if ws.After(now) {
		ws, _ = u.span(ws.Add(-24*time.Hour - time.Hour))
	}
	if ws.After(u.from) {
		u.from = ws
	}
}

// Night door phases.
const (
	doorIdle = iota
	doorWaiting
	doorAlarmed
)

// nightDoorUnit is a night door rule: the door opened inside the window
// must be closed again and, if Inside sensors are listed, motion seen
// inside after it closed, within Within; otherwise the person may be out
// wandering.
type nightDoorUnit struct {
	rule     *Rule
	loc      *time.Location
	clk      *clock
	known    bool
	open     bool
	phase    int
	due      time.Time
	closedAt time.Time
}

func (u *nightDoorUnit) key() gateway.AlarmKey {
	return gateway.AlarmKey{Rule: u.rule.ID, Sensor: u.rule.Door}
}

// start takes the door as closed: a door that only reports its changes
// (an RF contact) is opened first, and that opening counts.
func (u *nightDoorUnit) start(time.Time) { u.known = true }
func (u *nightDoorUnit) next() time.Time { return u.due }

func (u *nightDoorUnit) forget(sensor string) {
	if sensor == u.rule.Door {
		u.known = false
	}
}

func (u *nightDoorUnit) reading(e *Engine, now time.Time, r *gateway.Reading, f flags) bool {
	if r.Sensor != u.rule.Door {
		if f&faulty == 0 && u.phase != doorIdle && !u.closedAt.IsZero() && isActivity(r) {
			u.back(e, now, "motion inside on "+r.Sensor)
		}
		return false
	}
	if r.Quantity != gateway.QActive {
		return false
	}
	open := r.Value != 0
	if u.known && open == u.open {
		return false
	}
	first := !u.known || f&faulty != 0
	u.known, u.open = true, open
	switch {
	case !open:
		u.closed(e, now)
	case first:
	case u.phase != doorIdle:
		u.closedAt = time.Time{}
		e.dirty = true
	case u.rule.Window.Contains(u.clk.wall(now).In(u.loc)):
		u.phase, u.due, u.closedAt = doorWaiting, now.Add(u.rule.Within), time.Time{}
		e.schedule(u.due)
		e.dirty = true
	}
	return false
}

func (u *nightDoorUnit) closed(e *Engine, now time.Time) {
	if u.phase == doorIdle {
		return
	}
	u.closedAt = now
	e.dirty = true
	if len(u.rule.Inside) == 0 {
		u.back(e, now, "door closed")
	}
}

func (u *nightDoorUnit) back(e *Engine, now time.Time, why string) {
	if u.phase == doorAlarmed {
		e.end(now, u.key(), event.AlarmCleared, "back inside: "+why)
	}
	u.phase, u.due, u.closedAt = doorIdle, time.Time{}, time.Time{}
	e.dirty = true
}

func (u *nightDoorUnit) tick(e *Engine, now time.Time) {
	if u.phase != doorWaiting || u.due.After(now) {
		return
	}
	opened := u.due.Add(-u.rule.Within)
	u.phase, u.due = doorAlarmed, time.Time{}
	e.dirty = true
	msg := u.rule.Message
	if msg == "" {
		msg = fmt.Sprintf("door opened at %s and nobody back inside within %s", u.clk.wall(opened).In(u.loc).Format("15:04"), human(u.rule.Within))
	}
	e.raise(now, u.rule, u.rule.Door, msg, nil)
}

func (u *nightDoorUnit) save() (savedUnit, bool) {
	return savedUnit{Phase: u.phase, T1: u.due, T2: u.closedAt}, u.phase != doorIdle
}

func (u *nightDoorUnit) load(s savedUnit, _ time.Time, _ bool) {
	u.phase, u.due, u.closedAt = s.Phase, s.T1, s.T2
}
