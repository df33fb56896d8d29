package rules_test

import (
	"slices"
	"testing"
	"time"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/rules"
)

func mainsRule() rules.Rule {
	return rules.Rule{ID: "mains-lost", Kind: rules.Digital, Severity: event.Medium, Sensors: []string{"mains"}, Until: rules.UntilRelease, Hold: 30 * time.Second}
}

func nightDoorRule() rules.Rule {
	return rules.Rule{ID: "night-door", Kind: rules.NightDoor, Severity: event.High, Door: "door", Window: rules.Window{From: 23 * 60, To: 6 * 60}, Within: 10 * time.Minute}
}

func mains(v float64) gateway.Reading {
	return gateway.Reading{Sensor: "mains", Quantity: gateway.QActive, Value: v}
}

// tstep is a reading (or, with a zero Sensor, a tick) at an offset from t0.
type tstep struct {
	at time.Duration
	r  gateway.Reading
}

func play(e *rules.Engine, steps []tstep) []string {
	var got []string
	for _, s := range steps {
		if s.r.Sensor == "" {
			got = append(got, kinds(e.Tick(t0.Add(s.at)))...)
			continue
		}
		got = append(got, kinds(e.Reading(t0.Add(s.at), s.r))...)
	}
	return got
}

// At start-up an input is taken as idle: the first reading of one already
// active is an edge. A box that boots on battery reports mains lost, an RF
// smoke detector (which only ever reports "alarm") raises, and a door that
// only reports its changes is opened first.
func TestFirstReadingAfterStartIsAnEdge(t *testing.T) {
	night := t0.Add(-12*time.Hour + 30*time.Minute) // 00:30
	tests := []struct {
		name  string
		rule  rules.Rule
		start time.Time
		steps []tstep
		want  []string
	}{
		{name: "RF smoke detector: its first alarm raises", rule: smokeRule(), start: t0,
			steps: []tstep{{at: 0, r: active(1)}}, want: []string{"alarm_raised smoke", "siren on"}},
		{name: "booted on battery: mains lost after the hold", rule: mainsRule(), start: t0,
			steps: []tstep{{at: 0, r: mains(1)}, {at: 29 * time.Second}, {at: 30 * time.Second}}, want: []string{"alarm_raised mains-lost"}},
		{name: "booted on mains: nothing", rule: mainsRule(), start: t0,
			steps: []tstep{{at: 0, r: mains(0)}, {at: time.Minute}}},
		{name: "RF door opened at night, first thing after start", rule: nightDoorRule(), start: night,
			steps: []tstep{{at: 0, r: gateway.Reading{Sensor: "door", Quantity: gateway.QActive, Value: 1}}, {at: 10 * time.Minute}},
			want:  []string{"alarm_raised night-door"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t, tt.rule)
			var got []string
			for _, s := range tt.steps {
				at := tt.start.Add(s.at)
				if s.r.Sensor == "" {
					got = append(got, kinds(e.Tick(at))...)
				} else {
					got = append(got, kinds(e.Reading(at, s.r))...)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// After a fault the first reading is still a baseline: a sensor coming
// back never raises by itself.
func TestFirstReadingAfterFaultIsABaseline(t *testing.T) {
	e := newEngine(t, smokeRule())
	e.Reading(t0, active(0))
	e.Status(t0.Add(time.Second), gateway.Status{Sensor: "smoke-kitchen", Health: event.HealthFault})
	e.Status(t0.Add(2*time.Second), gateway.Status{Sensor: "smoke-kitchen", Health: event.HealthOK})
	if got := kinds(e.Reading(t0.Add(3*time.Second), active(1))); got != nil {
		t.Errorf("first reading after a fault: got %v, want nothing", got)
	}
}

// A restart in the middle of a hold time loses nothing: mains lost for
// 20 s, restart, still lost at 30 s raises. The hold waits for a fresh
// reading to confirm the input before it raises.
func TestHoldSurvivesRestart(t *testing.T) {
	tests := []struct {
		name  string
		after []tstep // on the restarted engine, from t0
		want  []string
	}{
		{name: "still lost at 30 s", after: []tstep{{at: 25 * time.Second, r: mains(1)}, {at: 30 * time.Second}}, want: []string{"alarm_raised mains-lost"}},
		{name: "back before 30 s", after: []tstep{{at: 25 * time.Second, r: mains(0)}, {at: 30 * time.Second}}},
		{name: "not confirmed yet at 30 s", after: []tstep{{at: 30 * time.Second}, {at: 31 * time.Second}}},
		{name: "confirmed after the hold ran out", after: []tstep{{at: 31 * time.Second}, {at: 40 * time.Second, r: mains(1)}}, want: []string{"alarm_raised mains-lost"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := newEngine(t, mainsRule())
			play(old, []tstep{{at: 0, r: mains(0)}, {at: 0, r: mains(1)}, {at: 20 * time.Second}})
			data, _, err := old.SaveState()
			if err != nil {
				t.Fatal(err)
			}
			e := newEngine(t, mainsRule())
			if _, err := e.LoadState(t0.Add(24*time.Second), data); err != nil {
				t.Fatal(err)
			}
			if got := play(e, tt.after); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if err := rules.CheckWake(e); err != nil {
				t.Error(err)
			}
		})
	}
}

// An alarm that ends on release, still active at a restart, clears when
// the first reading after the restart finds the input idle.
func TestReleaseAfterRestartClears(t *testing.T) {
	old := newEngine(t, mainsRule())
	play(old, []tstep{{at: 0, r: mains(1)}, {at: 30 * time.Second}})
	data, _, err := old.SaveState()
	if err != nil {
		t.Fatal(err)
	}
	e := newEngine(t, mainsRule())
	if _, err := e.LoadState(t0.Add(time.Minute), data); err != nil {
		t.Fatal(err)
	}
	if got := play(e, []tstep{{at: time.Minute, r: mains(0)}}); !slices.Equal(got, []string{"alarm_cleared mains-lost"}) {
		t.Errorf("got %v, want the alarm cleared", got)
	}
}
