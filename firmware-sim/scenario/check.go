package scenario

import (
	"fmt"
	"strings"
)

// Alarm is an alarm as the center shows it.
type Alarm struct {
	Rule, Sensor, SensorKind, Severity string
	// State is the box's last word on it: active, cleared or cancelled.
	State string
	// Repeats counts the alarm's alarm_repeated events at the center.
	Repeats int
}

// Event is a non-alarm event as the center stored it.
type Event struct {
	Kind, Sensor, SensorKind, Severity string
}

func (m Match) alarm(a Alarm) bool {
	return eq(m.Rule, a.Rule) && eq(m.Sensor, a.Sensor) && eq(m.SensorKind, a.SensorKind) &&
		eq(m.Severity, a.Severity) && eq(m.State, a.State) && (!m.RepeatsSet || m.Repeats == a.Repeats)
}

func (m Match) event(e Event) bool {
	return eq(m.Kind, e.Kind) && eq(m.Sensor, e.Sensor) && eq(m.SensorKind, e.SensorKind) && eq(m.Severity, e.Severity)
}

func eq(want, got string) bool { return want == "" || want == got }

func (m Match) String() string {
	var parts []string
	for _, kv := range [][2]string{{"kind", m.Kind}, {"rule", m.Rule}, {"sensor", m.Sensor}, {"sensor_kind", m.SensorKind}, {"severity", m.Severity}, {"state", m.State}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+"="+kv[1])
		}
	}
	if m.RepeatsSet {
		parts = append(parts, fmt.Sprintf("repeats=%d", m.Repeats))
	}
	return fmt.Sprintf("{%s} (line %d)", strings.Join(parts, " "), m.Line)
}

func (a Alarm) String() string {
	return fmt.Sprintf("{rule=%s sensor=%s sensor_kind=%s severity=%s state=%s repeats=%d}", a.Rule, a.Sensor, a.SensorKind, a.Severity, a.State, a.Repeats)
}

// Check compares what reached the center with the declared outcome and
// returns one line per mismatch; none means the scenario passed.
func Check(e Expect, alarms []Alarm, events []Event) []string {
	var bad []string
	claimed := make([]bool, len(alarms))
	for _, m := range e.Alarms {
		want := m.Count
		if want == 0 {
			want = 1
		}
		n := 0
		for i, a := range alarms {
			if m.alarm(a) {
				n++
				claimed[i] = true
			}
		}
		if n != want {
			bad = append(bad, fmt.Sprintf("alarm %s: want %d at the center, got %d", m, want, n))
		}
	}
	for _, m := range e.NoAlarms {
		for _, a := range alarms {
			if m.alarm(a) {
				bad = append(bad, fmt.Sprintf("alarm %s must not reach the center, but %s did", m, a))
			}
		}
	}
	if !e.OtherAlarms {
		for i, a := range alarms {
			if !claimed[i] {
				bad = append(bad, fmt.Sprintf("unexpected alarm at the center: %s", a))
			}
		}
	}
	for _, m := range e.Events {
		n := 0
		for _, ev := range events {
			if m.event(ev) {
				n++
			}
		}
		switch {
		case m.Count == 0 && n == 0:
			bad = append(bad, fmt.Sprintf("event %s: want at least one at the center, got none", m))
		case m.Count > 0 && n != m.Count:
			bad = append(bad, fmt.Sprintf("event %s: want %d at the center, got %d", m, m.Count, n))
		}
	}
	for _, m := range e.NoEvents {
		for _, ev := range events {
			if m.event(ev) {
				bad = append(bad, fmt.Sprintf("event %s must not reach the center, but {kind=%s sensor=%s} did", m, ev.Kind, ev.Sensor))
			}
		}
	}
	return bad
}
