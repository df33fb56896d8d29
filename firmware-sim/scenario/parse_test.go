package scenario

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const goodFile = `
name: fall at night
description: a fall, then the button within the window
start: "02:30"
duration: 10m
steps:
  - {at: 1m, do: fall, device: radar-bathroom}
  - {at: 1m20s, do: press, device: button-bedroom}
  - {at: 3m, do: network_cut, for: 2m}
  - {at: 4m, do: gas, device: gas-kitchen, ppm: 2500, over: 30s}
expect:
  alarms:
    - {rule: fall, sensor: radar-bathroom, state: cancelled}
  no_alarms:
    - {rule: call-button}
  events:
    - {kind: sensor_fault, sensor: radar-bathroom, count: 1}
`

func TestParseGoodFile(t *testing.T) {
	sc, err := Parse(strings.NewReader(goodFile))
	require.NoError(t, err)
	require.Equal(t, "fall at night", sc.Name)
	require.Equal(t, 2*time.Hour+30*time.Minute, sc.Start)
	require.Equal(t, 10*time.Minute, sc.Duration)
	require.Len(t, sc.Steps, 4)
	require.Equal(t, Step{Line: 8, At: 80 * time.Second, Do: Press, Device: "button-bedroom", For: 300 * time.Millisecond}, sc.Steps[1])
	require.Equal(t, Step{Line: 10, At: 4 * time.Minute, Do: Gas, Device: "gas-kitchen", Value: 2500, Over: 30 * time.Second}, sc.Steps[3])
	require.Equal(t, []Match{{Line: 13, Rule: "fall", Sensor: "radar-bathroom", State: "cancelled"}}, sc.Expect.Alarms)
	require.Equal(t, []Match{{Line: 17, Kind: "sensor_fault", Sensor: "radar-bathroom", Count: 1}}, sc.Expect.Events)
	require.False(t, sc.Expect.OtherAlarms)
}

func TestOpsOrderBeginsAndEnds(t *testing.T) {
	sc, err := Parse(strings.NewReader(goodFile))
	require.NoError(t, err)
	type got struct {
		at    time.Duration
		do    Action
		phase Phase
	}
	var ops []got
	for _, op := range sc.Ops() {
		ops = append(ops, got{op.At, op.Step.Do, op.Phase})
	}
	require.Equal(t, []got{
		{time.Minute, Fall, Begin},
		{80 * time.Second, Press, Begin},
		{80*time.Second + 300*time.Millisecond, Press, End},
		{3 * time.Minute, NetworkCut, Begin},
		{4 * time.Minute, Gas, Begin},
		{5 * time.Minute, NetworkCut, End},
	}, ops)
}

func TestParseErrorsNameLineAndField(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // each must appear in the error text
	}{
		{"empty", ``, []string{"empty file"}},
		{"not yaml", "name: [", []string{"line 1", "not valid YAML"}},
		{"not a mapping", "- a\n- b\n", []string{"line 1", "expected a mapping"}},
		{"missing required", "description: x\n", []string{"name: required", "duration: required", "steps: required"}},
		{"unknown top field", "name: x\nduration: 1m\nsteps: []\nwhen: now\n", []string{"line 4: when: unknown field"}},
		{"bad duration", "name: x\nduration: forever\nsteps: []\n", []string{"line 2: duration: expected a duration", `"forever"`}},
		{"duration too long", "name: x\nduration: 200h\nsteps: []\n", []string{"line 2: duration: 200h0m0s is out of range"}},
		{"bad start", "name: x\nstart: 25:00\nduration: 1m\nsteps: []\n", []string{"line 2: start:", "not a time of day"}},
		{"unknown action", "name: x\nduration: 1m\nsteps:\n  - {at: 1s, do: dance, device: a}\n", []string{"line 4: steps[0].do: unknown action \"dance\"", "press"}},
		{"missing device", "name: x\nduration: 1m\nsteps:\n  - {at: 1s, do: press}\n", []string{"line 4: steps[0].device: required for press"}},
		{"device on network", "name: x\nduration: 1m\nsteps:\n  - {at: 1s, do: network_cut, device: a}\n", []string{"steps[0].device: network_cut concerns the whole home"}},
		{"missing ppm", "name: x\nduration: 1m\nsteps:\n  - {at: 1s, do: gas, device: g}\n", []string{"steps[0].ppm: required for gas"}},
		{"ppm on press", "name: x\nduration: 1m\nsteps:\n  - {at: 1s, do: press, device: b, ppm: 3}\n", []string{"steps[0].ppm: not used by press"}},
		{"ppm not a number", "name: x\nduration: 1m\nsteps:\n  - {at: 1s, do: gas, device: g, ppm: lots}\n", []string{"steps[0].ppm: expected a number, got \"lots\""}},
		{"ppm out of range", "name: x\nduration: 1m\nsteps:\n  - {at: 1s, do: gas, device: g, ppm: -5}\n", []string{"steps[0].ppm: -5 is out of range"}},
		{"over on press", "name: x\nduration: 1m\nsteps:\n  - {at: 1s, do: press, device: b, over: 2s}\n", []string{"steps[0].over: not used by press"}},
		{"zero for", "name: x\nduration: 1m\nsteps:\n  - {at: 1s, do: network_cut, for: 0s}\n", []string{"steps[0].for: must be more than 0"}},
		{"step after end", "name: x\nduration: 1m\nsteps:\n  - {at: 50s, do: network_cut, for: 20s}\n", []string{"line 4: steps[0].at: step ends at 1m10s, after the scenario's duration 1m0s"}},
		{"missing at", "name: x\nduration: 1m\nsteps:\n  - {do: fall, device: r}\n", []string{"steps[0].at: required"}},
		{"fault missing", "name: x\nduration: 1m\nsteps:\n  - {at: 1s, do: i2c_fail, device: g}\n", []string{"steps[0].fault: required for i2c_fail"}},
		{"duplicate key", "name: x\nname: y\nduration: 1m\nsteps: []\n", []string{"line 2: name: given twice"}},
		{"bad state", "name: x\nduration: 1m\nsteps: []\nexpect:\n  alarms:\n    - {rule: a, state: gone}\n", []string{"line 6: expect.alarms[0].state: unknown alarm state \"gone\""}},
		{"empty match", "name: x\nduration: 1m\nsteps: []\nexpect:\n  alarms:\n    - {severity: high}\n", []string{"expect.alarms[0]: names nothing"}},
		{"count on no_alarms", "name: x\nduration: 1m\nsteps: []\nexpect:\n  no_alarms:\n    - {rule: a, count: 2}\n", []string{"expect.no_alarms[0]: count, state and repeats mean nothing"}},
		{"repeats on no_alarms", "name: x\nduration: 1m\nsteps: []\nexpect:\n  no_alarms:\n    - {rule: a, repeats: 0}\n", []string{"expect.no_alarms[0]: count, state and repeats mean nothing"}},
		{"negative repeats", "name: x\nduration: 1m\nsteps: []\nexpect:\n  alarms:\n    - {rule: a, repeats: -1}\n", []string{"line 6: expect.alarms[0].repeats: expected a whole number"}},
		{"repeats on an event", "name: x\nduration: 1m\nsteps: []\nexpect:\n  events:\n    - {kind: tamper, repeats: 1}\n", []string{"expect.events[0].repeats"}},
		{"tamper without device", "name: x\nduration: 1m\nsteps:\n  - {at: 1s, do: tamper}\n", []string{"steps[0].device: required for tamper"}},
		{"for on tamper", "name: x\nduration: 1m\nsteps:\n  - {at: 1s, do: tamper, device: p, for: 2s}\n", []string{"steps[0].for: not used by tamper"}},
		{"other_alarms word", "name: x\nduration: 1m\nsteps: []\nexpect:\n  other_alarms: maybe\n", []string{"expect.other_alarms: expected allow or forbid"}},
		{"steps not a list", "name: x\nduration: 1m\nsteps: {at: 1s}\n", []string{"line 3: steps: expected a list of steps"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := Parse(strings.NewReader(tt.in))
			require.Error(t, err, "got scenario %+v", sc)
			var es Errors
			require.True(t, errors.As(err, &es), "got %T, want Errors", err)
			for _, w := range tt.want {
				require.Contains(t, err.Error(), w)
			}
		})
	}
}

// repeats: 0 is a real expectation (no repeats), distinct from not given.
func TestParseRepeats(t *testing.T) {
	sc, err := Parse(strings.NewReader("name: x\nduration: 1m\nsteps: []\nexpect:\n  alarms:\n    - {rule: smoke, repeats: 1}\n    - {rule: smoke, repeats: 0}\n    - {rule: gas}\n"))
	require.NoError(t, err)
	require.Equal(t, []Match{
		{Line: 6, Rule: "smoke", Repeats: 1, RepeatsSet: true},
		{Line: 7, Rule: "smoke", RepeatsSet: true},
		{Line: 8, Rule: "gas"},
	}, sc.Expect.Alarms)
}

func TestParseReportsEveryMistake(t *testing.T) {
	_, err := Parse(strings.NewReader("name: x\nduration: 1m\nsteps:\n  - {at: 1s, do: dance, device: a}\n  - {at: soon, do: fall, device: r}\n"))
	var es Errors
	require.ErrorAs(t, err, &es)
	require.Len(t, es, 2)
	require.Equal(t, 4, es[0].Line)
	require.Equal(t, 5, es[1].Line)
	require.Equal(t, "steps[1].at", es[1].Field)
}

func TestParseRefusesHugeFile(t *testing.T) {
	_, err := Parse(strings.NewReader("name: x\n" + strings.Repeat("#", MaxSize)))
	require.ErrorContains(t, err, "larger than")
}

// Every scenario shipped in configs/scenarios parses.
func TestShippedScenariosParse(t *testing.T) {
	files, err := filepath.Glob("../../configs/scenarios/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			sc, err := Load(f)
			require.NoError(t, err)
			require.NotEmpty(t, sc.Steps)
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			require.Contains(t, string(data), "expect:", "a scenario declares its outcome")
		})
	}
}
