package gateway

import (
	"errors"
	"time"

	"github.com/safehub-iot/safehub/event"
)

// Action is what an Evaluator decides: an event to commit, an output to
// drive, or both.
type Action struct {
	// Event, if set, is committed to the store. The pipeline fills ID, Seq,
	// Time (if zero), Room and SensorKind (from the sensor's config), and
	// AlarmID: a raise opens the alarm of key (Rule, Sensor) and later
	// escalated / cleared / cancelled events of that key carry its id. A
	// raise for a key that is already active is dropped by the pipeline.
	Event *event.Event
	// Output, if set, is an output kind (siren, led_alarm_sent,
	// led_help_coming) or id to switch to On.
	Output string
	On     bool
}

// Evaluator turns what sensors report into actions. It is called from the
// pipeline's single loop only, so it needs no locking; it must not block or
// do I/O. The rules engine provides the real one; BuiltinRules is the
// minimal mapping used when no rules file is configured.
type Evaluator interface {
	// Reading is called for each reading, at time now.
	Reading(now time.Time, r Reading) []Action
	// Status is called when a driver reports a health change. The pipeline
	// itself commits the sensor_fault / sensor_restored event.
	Status(now time.Time, s Status) []Action
	// Tick is called at or after the time NextWake returned.
	Tick(now time.Time) []Action
	// NextWake is when Tick should next be called; ok is false when nothing
	// is pending.
	NextWake() (t time.Time, ok bool)
}

// AlarmKey names one alarm's lifecycle on a box: at most one alarm is active
// per rule and sensor, so a flapping input cannot flood the center.
type AlarmKey struct {
	Rule   string `json:"rule"`
	Sensor string `json:"sensor"`
}

// AckHandler is an optional Evaluator ability: the center acknowledged the
// active alarm of this key (stop escalating it).
type AckHandler interface {
	Acknowledged(now time.Time, key AlarmKey) []Action
}

// Resetter is an optional Evaluator ability: a person reset latched alarms
// (smoke) at the box or from the center.
type Resetter interface {
	Reset(now time.Time) []Action
}

// Silencer is an optional Evaluator ability: the siren was silenced (from
// the center). The evaluator switches it off and sounds it again only for
// an alarm or escalation that asks for it after the silence.
type Silencer interface {
	Silence(now time.Time) []Action
}

// StateSaver is an optional Evaluator ability: its timers and latched
// alarms are saved in the store whenever they change, and restored at
// start-up, so a restart in the middle of a hold time loses nothing.
type StateSaver interface {
	// SaveState returns the state to persist; changed is false when nothing
	// changed since the last call.
	SaveState() (data []byte, changed bool, err error)
	// LoadState restores saved state at start-up; now lets it judge timers
	// that ran out while the box was off.
	LoadState(now time.Time, data []byte) ([]Action, error)
}

// ErrNoState is returned by a state store for a key never saved.
var ErrNoState = errors.New("no saved state")
