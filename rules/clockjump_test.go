package rules_test

import (
	"slices"
	"testing"
	"time"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/rules"
)

// jumpClock is a box clock whose wall time can be stepped (NTP correcting a
// Pi without a real-time clock) while its monotonic clock goes on evenly.
type jumpClock struct {
	start time.Time     // wall time at monotonic zero
	mono  time.Duration // monotonic time
	jump  time.Duration // how far the wall clock was stepped in all
}

func (c *jumpClock) wall() time.Time { return c.start.Add(c.mono + c.jump) }

// jumpStep is one moment of a clock-jump case: the monotonic clock reads at and
// the wall clock has been stepped by jump in all; a reading, if any, is
// handled, then the engine is ticked. want is what that moment does.
type jumpStep struct {
	at, jump time.Duration
	read     *gateway.Reading
	want     []string
}

func press(sensor string) *gateway.Reading {
	return &gateway.Reading{Sensor: sensor, Quantity: gateway.QPress, Value: 1}
}

func input(sensor string, v float64) *gateway.Reading {
	return &gateway.Reading{Sensor: sensor, Quantity: gateway.QActive, Value: v}
}

// The rules' timers run on the monotonic clock: a wall clock stepped 20
// minutes either way raises no fault, escalation or alarm early or late,
// while daily windows follow the corrected wall clock.
func TestWallClockJump(t *testing.T) {
	morning := time.Date(2026, 6, 1, 6, 30, 0, 0, time.UTC)
	call := rules.Rule{ID: "call", Kind: rules.Digital, Severity: event.Critical, Sensors: []string{"btn"}, Until: rules.UntilAck,
		Escalate: rules.Escalation{After: 5 * time.Minute}}
	held := rules.Rule{ID: "held", Kind: rules.Digital, Severity: event.High, Sensors: []string{"pull"}, Until: rules.UntilRelease, Hold: 30 * time.Second}
	stale := rules.Rule{ID: "stale", Kind: rules.Health, Severity: event.High, Sensors: []string{"btn"}, StaleAfter: 10 * time.Minute}
	notUp := rules.Rule{ID: "not-up", Kind: rules.Inactivity, Severity: event.High, Sensors: []string{"pir"},
		Window: rules.Window{From: 7 * 60, To: 11 * 60}, Quiet: time.Hour}
	gas := rules.Rule{ID: "gas", Kind: rules.Threshold, Severity: event.High, Sensors: []string{"gas"}, Quantity: gateway.QGas,
		RaiseAt: 2000, ClearAt: 1000, RaiseAfter: time.Minute}
	gasAt := func(v float64) *gateway.Reading {
		return &gateway.Reading{Sensor: "gas", Quantity: gateway.QGas, Value: v}
	}
	tests := []struct {
		name  string
		rule  rules.Rule
		start time.Time
		steps []jumpStep
	}{
		{name: "escalation, clock forward", rule: call, start: t0, steps: []jumpStep{
			{at: 0, read: press("btn"), want: []string{"alarm_raised call"}},
			{at: time.Minute, jump: 20 * time.Minute},
			{at: 4*time.Minute + 59*time.Second, jump: 20 * time.Minute},
			{at: 5 * time.Minute, jump: 20 * time.Minute, want: []string{"alarm_escalated call"}},
		}},
		{name: "escalation, clock back", rule: call, start: t0, steps: []jumpStep{
			{at: 0, read: press("btn"), want: []string{"alarm_raised call"}},
			{at: time.Minute, jump: -20 * time.Minute},
			{at: 5 * time.Minute, jump: -20 * time.Minute, want: []string{"alarm_escalated call"}},
		}},
		{name: "hold time, clock forward", rule: held, start: t0, steps: []jumpStep{
			{at: 0, read: input("pull", 1)},
			{at: 10 * time.Second, jump: 20 * time.Minute},
			{at: 30 * time.Second, jump: 20 * time.Minute, want: []string{"alarm_raised held"}},
		}},
		{name: "threshold hold, clock forward", rule: gas, start: t0, steps: []jumpStep{
			{at: 0, read: gasAt(2500)},
			{at: 10 * time.Second, jump: 20 * time.Minute, read: gasAt(2600)},
			{at: time.Minute, jump: 20 * time.Minute, want: []string{"alarm_raised gas"}},
		}},
		{name: "stale sensor, clock forward", rule: stale, start: t0, steps: []jumpStep{
			{at: 0, read: press("btn")},
			{at: time.Minute, jump: 20 * time.Minute},
			{at: 9 * time.Minute, jump: 20 * time.Minute},
			{at: 10 * time.Minute, jump: 20 * time.Minute, want: []string{"sensor_fault stale"}},
		}},
		{name: "stale sensor, clock back", rule: stale, start: t0, steps: []jumpStep{
			{at: 0, read: press("btn")},
			{at: time.Minute, jump: -20 * time.Minute},
			{at: 10 * time.Minute, jump: -20 * time.Minute, want: []string{"sensor_fault stale"}},
		}},
		{name: "quiet time since activity, clock forward", rule: notUp, start: morning, steps: []jumpStep{
			{at: time.Hour, read: input("pir", 1)}, // 07:30
			{at: time.Hour + 50*time.Minute, jump: 20 * time.Minute},
			{at: time.Hour + 59*time.Minute, jump: 20 * time.Minute},
			{at: 2 * time.Hour, jump: 20 * time.Minute, want: []string{"alarm_raised not-up"}},
		}},
		{name: "quiet time since activity, clock back", rule: notUp, start: morning, steps: []jumpStep{
			{at: time.Hour, read: input("pir", 1)},
			{at: time.Hour + 10*time.Minute, jump: -20 * time.Minute},
			{at: time.Hour + 59*time.Minute, jump: -20 * time.Minute},
			{at: 2 * time.Hour, jump: -20 * time.Minute, want: []string{"alarm_raised not-up"}},
		}},
		// Nobody seen: the window opened at 07:00 by the corrected clock,
		// so the hour of quiet ends at 08:00 by the corrected clock.
		{name: "window follows the corrected clock forward", rule: notUp, start: morning, steps: []jumpStep{
			{at: 40 * time.Minute}, // 07:10 by the slow clock
			{at: time.Hour + 19*time.Minute, jump: 20 * time.Minute, want: []string{"alarm_raised not-up"}}, // 08:09 corrected
		}},
		{name: "window follows the corrected clock back", rule: notUp, start: morning, steps: []jumpStep{
			{at: 40 * time.Minute},                                                                           // 07:10 by the fast clock
			{at: 50 * time.Minute, jump: -20 * time.Minute},                                                  // 07:00 corrected
			{at: time.Hour + 49*time.Minute, jump: -20 * time.Minute},                                        // 07:59
			{at: time.Hour + 50*time.Minute, jump: -20 * time.Minute, want: []string{"alarm_raised not-up"}}, // 08:00
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &jumpClock{start: tc.start}
			e, err := rules.New([]rules.Rule{tc.rule}, rules.Options{Monotonic: func() time.Duration { return c.mono }})
			if err != nil {
				t.Fatal(err)
			}
			e.Tick(c.wall())
			for _, s := range tc.steps {
				c.mono, c.jump = s.at, s.jump
				var acts []gateway.Action
				if s.read != nil {
					acts = append(acts, e.Reading(c.wall(), *s.read)...)
				}
				acts = append(acts, e.Tick(c.wall())...)
				if got := kinds(acts); !slices.Equal(got, s.want) {
					t.Fatalf("at %v (wall %s): got %v, want %v", s.at, c.wall().Format("15:04:05"), got, s.want)
				}
				if err := rules.CheckWake(e); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
