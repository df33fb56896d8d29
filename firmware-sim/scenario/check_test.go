package scenario

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCheck(t *testing.T) {
	gas := Alarm{Rule: "gas", Sensor: "gas-kitchen", SensorKind: "gas", Severity: "critical", State: "cleared"}
	fall := Alarm{Rule: "fall", Sensor: "radar", SensorKind: "fall", Severity: "critical", State: "cancelled"}
	smoke := Alarm{Rule: "smoke", Sensor: "smoke-kitchen", SensorKind: "smoke", Severity: "critical", State: "active"}
	smokeAgain := smoke
	smokeAgain.Repeats = 1
	fault := Event{Kind: "sensor_fault", Sensor: "radar", SensorKind: "fall", Severity: "high"}
	tests := []struct {
		name   string
		expect Expect
		alarms []Alarm
		events []Event
		want   []string // substrings, one per mismatch
	}{
		{"all as declared", Expect{Alarms: []Match{{Rule: "gas", State: "cleared"}}, NoAlarms: []Match{{Rule: "smoke"}}}, []Alarm{gas}, nil, nil},
		{"missing alarm", Expect{Alarms: []Match{{Rule: "gas"}}}, nil, nil, []string{"want 1 at the center, got 0"}},
		{"duplicate alarm", Expect{Alarms: []Match{{Rule: "gas"}}}, []Alarm{gas, gas}, nil, []string{"want 1 at the center, got 2"}},
		{"wrong state", Expect{Alarms: []Match{{Rule: "fall", State: "active"}}}, []Alarm{fall}, nil, []string{"got 0", "unexpected alarm"}},
		{"forbidden alarm", Expect{NoAlarms: []Match{{Sensor: "radar"}}}, []Alarm{fall}, nil, []string{"must not reach", "unexpected alarm"}},
		{"other alarms allowed", Expect{OtherAlarms: true}, []Alarm{gas}, nil, nil},
		{"unexpected alarm", Expect{}, []Alarm{gas}, nil, []string{"unexpected alarm at the center: {rule=gas"}},
		{"repeats as declared", Expect{Alarms: []Match{{Rule: "smoke", Repeats: 1, RepeatsSet: true}, {Rule: "smoke", RepeatsSet: true}}}, []Alarm{smoke, smokeAgain}, nil, nil},
		{"repeats missing", Expect{Alarms: []Match{{Rule: "smoke", Repeats: 1, RepeatsSet: true}}}, []Alarm{smoke}, nil, []string{"{rule=smoke repeats=1} (line 0): want 1 at the center, got 0", "unexpected alarm at the center: {rule=smoke sensor=smoke-kitchen sensor_kind=smoke severity=critical state=active repeats=0}"}},
		{"repeats not asked", Expect{Alarms: []Match{{Rule: "smoke", Count: 2}}}, []Alarm{smoke, smokeAgain}, nil, nil},
		{"event present", Expect{Events: []Match{{Kind: "sensor_fault", Sensor: "radar"}}}, nil, []Event{fault, fault}, nil},
		{"event missing", Expect{Events: []Match{{Kind: "sensor_fault"}}}, nil, nil, []string{"want at least one"}},
		{"forbidden event", Expect{NoEvents: []Match{{Kind: "sensor_fault"}}}, nil, []Event{fault}, []string{"must not reach the center, but {kind=sensor_fault sensor=radar}"}},
		{"event count", Expect{Events: []Match{{Kind: "sensor_fault", Count: 1}}}, nil, []Event{fault, fault}, []string{"want 1 at the center, got 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Check(tt.expect, tt.alarms, tt.events)
			require.Len(t, got, len(tt.want), "got %q", got)
			for i, w := range tt.want {
				require.Contains(t, got[i], w)
			}
		})
	}
}
