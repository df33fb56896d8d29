package event

import (
	"fmt"
	"time"
)

// Severity ranks an event for the operator at the center. Critical means a
// person may be in danger now; info is for the record only.
type Severity string

// The severities, most urgent first.
const (
	Critical Severity = "critical"
	High     Severity = "high"
	Medium   Severity = "medium"
	Low      Severity = "low"
	Info     Severity = "info"
)

// severities is the one list of severities, most urgent first.
var severities = []Severity{Critical, High, Medium, Low, Info}

// Severities returns every severity, most urgent first; the slice is the
// caller's.
func Severities() []Severity { return append([]Severity(nil), severities...) }

// Rank orders severities: 0 for critical up to 4 for info, 5 for unknown.
func (s Severity) Rank() int {
	switch s {
	case Critical:
		return 0
	case High:
		return 1
	case Medium:
		return 2
	case Low:
		return 3
	case Info:
		return 4
	}
	return 5
}

// ParseSeverity checks s against the known severities.
func ParseSeverity(s string) (Severity, error) {
	sev := Severity(s)
	if sev.Rank() > 4 {
		return "", fmt.Errorf("unknown severity %q (want critical, high, medium, low or info)", s)
	}
	return sev, nil
}

// Kind says what happened.
type Kind string

// The event kinds.
const (
	AlarmRaised    Kind = "alarm_raised"
	AlarmCleared   Kind = "alarm_cleared"
	AlarmCancelled Kind = "alarm_cancelled" // resolved locally, e.g. in a fall's cancel window
	AlarmEscalated Kind = "alarm_escalated" // not acknowledged by the center in time
	// AlarmRepeated: the alarm's trigger came again (smoke again, the button
	// pressed again) while the alarm is still active, latched or not yet
	// acknowledged. It is part of that alarm (same AlarmID), not a new one.
	AlarmRepeated  Kind = "alarm_repeated"
	SensorFault    Kind = "sensor_fault"
	SensorRestored Kind = "sensor_restored"
	Tamper         Kind = "tamper"
	LowBattery     Kind = "low_battery"
	MainsLost      Kind = "mains_lost"
	MainsRestored  Kind = "mains_restored"
	StateChange    Kind = "state_change" // a door opened, motion seen: context for the operator
	InfoEvent      Kind = "info"
)

// IsAlarm reports whether events of this kind belong to an alarm's lifecycle.
// Alarm events go out before all others and are never evicted from the outbox.
func (k Kind) IsAlarm() bool {
	switch k {
	case AlarmRaised, AlarmCleared, AlarmCancelled, AlarmEscalated, AlarmRepeated:
		return true
	}
	return false
}

// Event is something that happened in the home, committed to the store with
// a box-wide sequence number before anyone else learns of it.
type Event struct {
	// ID is a UUIDv7: unique, and time-ordered by the box clock.
	ID string `json:"id"`
	// Seq is assigned by the store when the event is committed. It rises by
	// one per event and never repeats or goes back, across restarts too, so
	// the center can find gaps.
	Seq int64 `json:"seq"`
	// Time is when it happened, by the box clock.
	Time     time.Time `json:"time"`
	Kind     Kind      `json:"kind"`
	Severity Severity  `json:"severity"`
	// Sensor is the config id of the sensor it concerns, if any.
	Sensor string `json:"sensor,omitempty"`
	// SensorKind is the sensor's kind (call_button, smoke, gas, ...).
	SensorKind string `json:"sensor_kind,omitempty"`
	Room       string `json:"room,omitempty"`
	// Rule names the rule that raised it; AlarmID ties the events of one
	// alarm's lifecycle together (the ID of the alarm_raised event).
	Rule    string `json:"rule,omitempty"`
	AlarmID string `json:"alarm_id,omitempty"`
	// Message is one line for a person to read.
	Message string `json:"message,omitempty"`
	// Values carries the readings behind the event (e.g. "ppm": 2100).
	Values map[string]float64 `json:"values,omitempty"`
	// Test marks events raised during commissioning: the center shows them
	// apart and never dispatches anyone.
	Test bool `json:"test,omitempty"`
	// ClockUnsure is set when the box clock was not synchronized when the
	// event was stamped.
	ClockUnsure bool `json:"clock_unsure,omitempty"`
}

// Priority is 0 for alarm events and 1 for everything else.
func (e *Event) Priority() int {
	if e.Kind.IsAlarm() {
		return 0
	}
	return 1
}

// Health is a sensor's condition as the gateway sees it.
type Health string

// Sensor health values.
const (
	HealthUnknown Health = "unknown" // nothing heard yet
	HealthOK      Health = "ok"
	HealthFault   Health = "fault"
)
