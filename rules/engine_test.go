package rules_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/rules"
)

var t0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func smokeRule() rules.Rule {
	return rules.Rule{ID: "smoke", Kind: rules.Digital, Severity: event.Critical, Sensors: []string{"smoke-kitchen"}, Until: rules.UntilReset, Siren: true}
}

func gasRule() rules.Rule {
	return rules.Rule{ID: "gas", Kind: rules.Threshold, Severity: event.High, Sensors: []string{"gas-kitchen"}, Quantity: gateway.QGas, RaiseAt: 2000, ClearAt: 1000, RaiseAfter: time.Minute}
}

func newEngine(tb testing.TB, rs ...rules.Rule) *rules.Engine {
	tb.Helper()
	e, err := rules.New(rs, rules.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

func active(v float64) gateway.Reading {
	return gateway.Reading{Sensor: "smoke-kitchen", Quantity: gateway.QActive, Value: v}
}

// kinds lists what the actions do, e.g. "alarm_raised smoke", "siren on".
func kinds(acts []gateway.Action) []string {
	var out []string
	for _, a := range acts {
		if a.Event != nil {
			out = append(out, string(a.Event.Kind)+" "+a.Event.Rule)
		}
		if a.Output != "" {
			s := a.Output + " off"
			if a.On {
				s = a.Output + " on"
			}
			out = append(out, s)
		}
	}
	return out
}

// A reload carries latched alarms and running hold times over to the new
// rules; alarms of rules that are gone are cleared.
func TestCarry(t *testing.T) {
	tests := []struct {
		name      string
		next      []rules.Rule
		wantCarry []string
		after     func(e *rules.Engine) []gateway.Action
		wantAfter []string
	}{
		{
			// The smoke input is still active at the reset: the reload
			// carried that too, so the reset raises it again at once.
			name:      "same rules: smoke stays latched, gas hold goes on",
			next:      []rules.Rule{smokeRule(), gasRule()},
			wantCarry: nil,
			after: func(e *rules.Engine) []gateway.Action {
				acts := e.Tick(t0.Add(61 * time.Second))
				return append(acts, e.Reset(t0.Add(62*time.Second))...)
			},
			wantAfter: []string{"alarm_raised gas", "alarm_cleared smoke", "siren off", "alarm_raised smoke", "siren on"},
		},
		{
			name:      "smoke rule removed: its alarm is cleared and the siren stops",
			next:      []rules.Rule{gasRule()},
			wantCarry: []string{"alarm_cleared smoke", "siren off"},
			after:     func(e *rules.Engine) []gateway.Action { return e.Tick(t0.Add(61 * time.Second)) },
			wantAfter: []string{"alarm_raised gas"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := newEngine(t, smokeRule(), gasRule())
			old.Reading(t0, active(0))
			old.Reading(t0, gateway.Reading{Sensor: "gas-kitchen", Quantity: gateway.QGas, Value: 100})
			if got := kinds(old.Reading(t0.Add(time.Second), active(1))); !slices.Equal(got, []string{"alarm_raised smoke", "siren on"}) {
				t.Fatalf("smoke: got %v", got)
			}
			old.Reading(t0.Add(time.Second), gateway.Reading{Sensor: "gas-kitchen", Quantity: gateway.QGas, Value: 2500})

			e := newEngine(t, tt.next...)
			if got := kinds(e.Carry(t0.Add(30*time.Second), old)); !slices.Equal(got, tt.wantCarry) {
				t.Errorf("Carry: got %v, want %v", got, tt.wantCarry)
			}
			if got := kinds(tt.after(e)); !slices.Equal(got, tt.wantAfter) {
				t.Errorf("after: got %v, want %v", got, tt.wantAfter)
			}
		})
	}
}

func TestLoadStateRejects(t *testing.T) {
	tests := []struct {
		name string
		data string
	}{
		{name: "not json", data: "{"},
		{name: "other version", data: `{"v":99}`},
		{name: "wrong type", data: `{"v":1,"alarms":"x"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t, smokeRule())
			if acts, err := e.LoadState(t0, []byte(tt.data)); err == nil {
				t.Errorf("LoadState(%q) = %v, nil; want an error", tt.data, kinds(acts))
			}
		})
	}
}

// SaveState reports a change only when something worth saving changed, so
// the pipeline does not write to disk for every reading.
func TestSaveStateOnlyOnChange(t *testing.T) {
	e := newEngine(t, smokeRule(), gasRule())
	e.Reading(t0, active(0))
	e.SaveState()
	steps := []struct {
		name string
		r    gateway.Reading
		want bool
	}{
		{name: "gas in range", r: gateway.Reading{Sensor: "gas-kitchen", Quantity: gateway.QGas, Value: 100}, want: false},
		{name: "smoke idle again", r: active(0), want: false},
		{name: "gas above: hold starts", r: gateway.Reading{Sensor: "gas-kitchen", Quantity: gateway.QGas, Value: 2500}, want: true},
		{name: "gas still above", r: gateway.Reading{Sensor: "gas-kitchen", Quantity: gateway.QGas, Value: 2600}, want: false},
		{name: "smoke raises", r: active(1), want: true},
	}
	for _, s := range steps {
		e.Reading(t0.Add(time.Second), s.r)
		_, changed, err := e.SaveState()
		if err != nil || changed != s.want {
			t.Errorf("%s: SaveState changed = %v, %v; want %v", s.name, changed, err, s.want)
		}
	}
}

func TestNextWakeBeforeStart(t *testing.T) {
	e := newEngine(t, smokeRule())
	if at, ok := e.NextWake(); !ok || !at.IsZero() {
		t.Errorf("NextWake before start = %v, %v; want zero time, true (tick at once)", at, ok)
	}
	e.Tick(t0)
	if at, ok := e.NextWake(); ok {
		t.Errorf("NextWake with nothing pending = %v, true; want false", at)
	}
}

func TestNewRejects(t *testing.T) {
	bad := func(f func(*rules.Rule)) rules.Rule { r := gasRule(); f(&r); return r }
	tests := []struct {
		name string
		rs   []rules.Rule
	}{
		{name: "empty id", rs: []rules.Rule{bad(func(r *rules.Rule) { r.ID = "" })}},
		{name: "duplicate id", rs: []rules.Rule{gasRule(), gasRule()}},
		{name: "clear level above raise level", rs: []rules.Rule{bad(func(r *rules.Rule) { r.ClearAt = 3000 })}},
		{name: "unknown kind", rs: []rules.Rule{bad(func(r *rules.Rule) { r.Kind = "magic" })}},
		{name: "quiet longer than window", rs: []rules.Rule{{ID: "i", Kind: rules.Inactivity, Severity: event.High, Sensors: []string{"m"}, Window: rules.Window{From: 60, To: 120}, Quiet: 2 * time.Hour}}},
		{name: "sensor twice in one rule", rs: []rules.Rule{bad(func(r *rules.Rule) { r.Sensors = []string{"g", "g"} })}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := rules.New(tt.rs, rules.Options{}); !errors.Is(err, rules.ErrInvalid) {
				t.Errorf("New = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestWindowContains(t *testing.T) {
	night := rules.Window{From: 23 * 60, To: 6 * 60}
	morning := rules.Window{From: 7 * 60, To: 11 * 60}
	tests := []struct {
		name string
		w    rules.Window
		hm   [2]int
		want bool
	}{
		{name: "night at 23:00", w: night, hm: [2]int{23, 0}, want: true},
		{name: "night at 03:00", w: night, hm: [2]int{3, 0}, want: true},
		{name: "night at 06:00 (end excluded)", w: night, hm: [2]int{6, 0}, want: false},
		{name: "night at 22:59", w: night, hm: [2]int{22, 59}, want: false},
		{name: "morning at 07:00", w: morning, hm: [2]int{7, 0}, want: true},
		{name: "morning at 11:00", w: morning, hm: [2]int{11, 0}, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := time.Date(2026, 1, 1, tt.hm[0], tt.hm[1], 0, 0, time.UTC)
			if got := tt.w.Contains(at); got != tt.want {
				t.Errorf("%v.Contains(%02d:%02d) = %v, want %v", tt.w, tt.hm[0], tt.hm[1], got, tt.want)
			}
		})
	}
}
