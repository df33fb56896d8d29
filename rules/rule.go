// Package rules is the box's local alarm logic: readings, sensor health
// changes, clock ticks and the center's acknowledgements go in; alarm
// actions (raise, clear, cancel, escalate, sensor faults, the siren) come
// out. It runs on the box, so a gas leak sounds the siren with the internet
// down.
//
// The package is pure: no I/O, no goroutines, no clock of its own. The
// gateway pipeline calls an *Engine from its single loop, through the
// gateway.Evaluator interface and the optional AckHandler, Resetter and
// StateSaver abilities. Rules files are parsed by the rulesfile
// sub-package; this package takes the already validated []Rule.
package rules

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/safehub-iot/safehub/event"
)

// Kind is what a rule watches for.
type Kind string

// The rule kinds.
const (
	// Digital raises on a digital input's rising edge (a button press,
	// smoke) or a pendant's press.
	Digital Kind = "digital"
	// Threshold raises when a value stays beyond a level for a hold time and
	// clears, with hysteresis, when it stays back for another.
	Threshold Kind = "threshold"
	// Inactivity raises when the listed sensors see no activity for a quiet
	// time inside a daily window ("not up this morning").
	Inactivity Kind = "inactivity"
	// NightDoor raises when the door is opened inside a nightly window and
	// the person is not back inside within a set time (wandering).
	NightDoor Kind = "night_door"
	// Fall raises on a fall sensor's fall, with an optional window in which
	// a button press or the sensor reporting the person up cancels it.
	Fall Kind = "fall"
	// Health reports sensors that fall silent or chatter as faulty.
	Health Kind = "health"
)

// Until says what ends a digital rule's alarm.
type Until string

// Ways a digital alarm ends.
const (
	// UntilAck: the center's acknowledgement closes the alarm, so a later
	// press raises a new one (call buttons, pendants).
	UntilAck Until = "ack"
	// UntilReset: the alarm stays latched until a person resets it at the
	// box or from the center (smoke).
	UntilReset Until = "reset"
	// UntilRelease: the alarm clears when the input goes back to idle.
	UntilRelease Until = "release"
)

// Window is a daily span of local clock time, in minutes after midnight.
// To <= From means the window runs past midnight (23:00–06:00).
type Window struct {
	From, To int
}

// String formats the window as "07:00-11:00".
func (w Window) String() string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", w.From/60, w.From%60, w.To/60, w.To%60)
}

// Contains reports whether the local clock time t falls inside the window.
func (w Window) Contains(t time.Time) bool {
	m := t.Hour()*60 + t.Minute()
	if w.From < w.To {
		return m >= w.From && m < w.To
	}
	return m >= w.From || m < w.To
}

// Nominal is the window's length on a day without a clock change.
func (w Window) Nominal() time.Duration {
	d := w.To - w.From
	if d <= 0 {
		d += 24 * 60
	}
	return time.Duration(d) * time.Minute
}

// human formats d for people: 2h, 90m → 1h30m, 30s.
func human(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// Escalation says what happens when the center has not acknowledged an
// alarm in time: an AlarmEscalated event (the cloud link re-sends the alarm
// on it and the SMS fallback calls out), and the siren if Siren is set.
type Escalation struct {
	// After is how long after the raise; zero means never escalate.
	After time.Duration
	// Repeat, if set, escalates again at this interval until acknowledged.
	Repeat time.Duration
	Siren  bool
}

// Rule is one validated rule. Fields past the common ones apply to the
// kinds named in their comment and are ignored by the others.
type Rule struct {
	ID       string
	Kind     Kind
	Severity event.Severity
	// Message is the one line the operator reads; empty gives a default.
	Message  string
	Siren    bool // sound the siren while the alarm is active
	Escalate Escalation
	// Sensors the rule watches (all kinds but night_door, which uses Door
	// and Inside).
	Sensors []string

	// Digital.
	Until Until
	Hold  time.Duration // the input must stay active this long; 0 raises at once

	// Threshold: raise when Quantity is beyond RaiseAt for RaiseAfter, clear
	// when it is back beyond ClearAt for ClearAfter. Below flips the sense
	// (cold): raise under RaiseAt, clear over ClearAt.
	Quantity   string
	Below      bool
	RaiseAt    float64
	ClearAt    float64
	RaiseAfter time.Duration
	ClearAfter time.Duration

	// Inactivity and NightDoor: the daily window, in the site's timezone.
	Window Window
	// Inactivity: how long without activity inside the window.
	Quiet time.Duration

	// NightDoor: the door, the motion sensors inside, and how long the
	// person has to be back (door closed, then motion inside).
	Door   string
	Inside []string
	Within time.Duration

	// Fall: how long a press on CancelBy, or the sensor reporting the
	// person up, cancels the alarm as resolved locally.
	CancelWindow time.Duration
	CancelBy     []string

	// Health: no reading or heartbeat for StaleAfter is a fault (0: not
	// checked); more than ChatterChanges changes of a digital input within
	// ChatterPer is a fault (0: not checked).
	StaleAfter     time.Duration
	ChatterChanges int
	ChatterPer     time.Duration
}

// Options are what an engine needs to know of the site.
type Options struct {
	// Location is the site's timezone for windows; nil means UTC.
	Location *time.Location
	// Monotonic, if set, reads a clock that moves only forward and at the
	// pace of real time, whatever the wall clock does (a Pi without a
	// real-time clock steps its wall clock when NTP syncs after a power
	// cut). Hold, quiet, stale, chatter, cancel and escalation times run on
	// it; daily windows follow the wall clock the engine is given. Nil uses
	// the monotonic reading that times from time.Now carry, or, for times
	// without one (a fake clock), their wall time.
	Monotonic func() time.Duration
}

// ErrInvalid is wrapped by New's errors: the rules break an invariant that
// rulesfile should already have reported with a line number.
var ErrInvalid = errors.New("invalid rule")

func invalid(r *Rule, format string, args ...any) error {
	return fmt.Errorf("%w %q: %s", ErrInvalid, r.ID, fmt.Sprintf(format, args...))
}

// check enforces what the engine relies on; rulesfile reports the same
// mistakes with line numbers before they get here.
func (r *Rule) check() error {
	if r.ID == "" {
		return fmt.Errorf("%w: empty id", ErrInvalid)
	}
	if r.Severity.Rank() > 4 && r.Kind != Health {
		return invalid(r, "unknown severity %q", r.Severity)
	}
	if r.Escalate.After < 0 || r.Escalate.Repeat < 0 || r.Hold < 0 {
		return invalid(r, "negative duration")
	}
	need := func(ok bool, what string) error {
		if !ok {
			return invalid(r, "%s", what)
		}
		return nil
	}
	switch r.Kind {
	case Digital:
		if r.Until != UntilAck && r.Until != UntilReset && r.Until != UntilRelease {
			return invalid(r, "unknown until %q", r.Until)
		}
		return need(len(r.Sensors) > 0, "no sensors")
	case Threshold:
		if r.Below {
			if r.ClearAt < r.RaiseAt {
				return invalid(r, "clear level %v below raise level %v", r.ClearAt, r.RaiseAt)
			}
		} else if r.ClearAt > r.RaiseAt {
			return invalid(r, "clear level %v above raise level %v", r.ClearAt, r.RaiseAt)
		}
		if r.RaiseAfter < 0 || r.ClearAfter < 0 {
			return invalid(r, "negative hold time")
		}
		return need(len(r.Sensors) > 0 && r.Quantity != "", "no sensors or quantity")
	case Inactivity:
		if r.Quiet <= 0 || r.Quiet > r.Window.Nominal() {
			return invalid(r, "quiet %v must be positive and fit the window %v", r.Quiet, r.Window)
		}
		return need(len(r.Sensors) > 0, "no sensors")
	case NightDoor:
		return need(r.Door != "" && r.Within > 0, "no door or within")
	case Fall:
		return need(len(r.Sensors) > 0 && r.CancelWindow >= 0, "no sensors")
	case Health:
		if r.StaleAfter < 0 || r.ChatterChanges < 0 || (r.ChatterChanges > 0 && r.ChatterPer <= 0) {
			return invalid(r, "bad staleness or chatter limits")
		}
		return need(len(r.Sensors) > 0 && (r.StaleAfter > 0 || r.ChatterChanges > 0), "no sensors or nothing to check")
	}
	return invalid(r, "unknown kind %q", r.Kind)
}
