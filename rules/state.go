package rules

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
)

// stateVersion is bumped when the saved shape changes incompatibly.
const stateVersion = 1

type savedState struct {
	V      int          `json:"v"`
	Alarms []savedAlarm `json:"alarms,omitempty"`
	Units  []savedUnit  `json:"units,omitempty"`
}

type savedAlarm struct {
	Rule        string    `json:"rule"`
	Sensor      string    `json:"sensor,omitempty"`
	Raised      time.Time `json:"raised"`
	Acked       bool      `json:"acked,omitempty"`
	EscalateAt  time.Time `json:"escalate_at,omitzero"`
	Escalations int       `json:"escalations,omitempty"`
	Siren       bool      `json:"siren,omitempty"`
}

// savedUnit is one unit's timers; each unit says what its fields mean.
type savedUnit struct {
	Rule   string    `json:"rule"`
	Sensor string    `json:"sensor,omitempty"`
	Phase  int       `json:"phase,omitempty"`
	T1     time.Time `json:"t1,omitzero"`
	T2     time.Time `json:"t2,omitzero"`
	V      float64   `json:"v,omitempty"`
}

// SaveState implements gateway.StateSaver: the active alarms with their
// escalation timers, and the rules' hold times, windows and fault flags.
// It costs nothing when nothing changed.
func (e *Engine) SaveState() ([]byte, bool, error) {
	if !e.dirty {
		return nil, false, nil
	}
	data, err := json.Marshal(e.snapshot())
	if err != nil {
		return nil, false, fmt.Errorf("rules: encode state: %w", err)
	}
	e.dirty = false
	return data, true, nil
}

func (e *Engine) snapshot() savedState {
	st := savedState{V: stateVersion}
	w := e.clk.wall // saved times are wall times: the timeline ends with the process
	for _, a := range e.alarms {
		st.Alarms = append(st.Alarms, savedAlarm{
			Rule: a.key.Rule, Sensor: a.key.Sensor, Raised: w(a.raised), Acked: a.acked,
			EscalateAt: w(a.escalateAt), Escalations: a.escalations, Siren: a.siren,
		})
	}
	for _, u := range e.units {
		if s, ok := u.save(); ok {
			k := u.key()
			s.Rule, s.Sensor = k.Rule, k.Sensor
			s.T1, s.T2 = w(s.T1), w(s.T2)
			st.Units = append(st.Units, s)
		}
	}
	return st
}

// LoadState implements gateway.StateSaver. Timers that ran out while the
// box was off fire now: an unacknowledged alarm escalates, an inactivity
// window that ended unseen raises. A hold time that was running waits for
// a fresh reading to confirm the value before it raises or clears.
func (e *Engine) LoadState(now time.Time, data []byte) ([]gateway.Action, error) {
	var st savedState
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("rules: decode state: %w", err)
	}
	if st.V != stateVersion {
		return nil, fmt.Errorf("rules: saved state version %d, want %d", st.V, stateVersion)
	}
	e.restore(e.begin(now), st, true)
	return e.flush(), nil
}

// Carry moves the state of the engine being replaced into e, which is about
// to replace it after a reload (SIGHUP, or the cloud link's replace-rules
// command): active alarms, latched smoke, escalation and hold timers go on
// under the new rules. Alarms of rules that are gone are cleared. Call it on
// the pipeline's loop (Pipeline.Exec) and then SetEvaluator(e).
func (e *Engine) Carry(wall time.Time, old *Engine) []gateway.Action {
	old.begin(wall)
	e.sirenOn = old.sirenOn
	e.restore(e.begin(wall), old.snapshot(), false)
	return e.flush()
}

// restore loads st, whose times are wall times, at now on the timeline.
func (e *Engine) restore(now time.Time, st savedState, restart bool) {
	tl := e.clk.fromWall
	rules := map[string]*Rule{}
	for _, r := range e.rules {
		rules[r.ID] = r
	}
	for _, s := range st.Units {
		if u, ok := e.byKey[gateway.AlarmKey{Rule: s.Rule, Sensor: s.Sensor}]; ok {
			s.T1, s.T2 = tl(s.T1), tl(s.T2)
			u.load(s, now, restart)
		}
	}
	e.alarms = e.alarms[:0]
	siren := false
	for _, s := range st.Alarms {
		key := gateway.AlarmKey{Rule: s.Rule, Sensor: s.Sensor}
		r := rules[s.Rule]
		if r == nil || r.Kind == Health {
			e.event(event.Event{Kind: event.AlarmCleared, Severity: event.Info, Rule: s.Rule, Sensor: s.Sensor, Message: "rule no longer in the rules file"})
			continue
		}
		a := &alarm{key: key, rule: r, raised: tl(s.Raised), acked: s.Acked, escalateAt: tl(s.EscalateAt), escalations: s.Escalations, siren: s.Siren}
		if a.acked || r.Escalate.After == 0 {
			a.escalateAt = time.Time{}
		}
		e.alarms = append(e.alarms, a)
		siren = siren || a.siren
	}
	if restart {
		e.sirenOn = false // outputs start off after a restart
	}
	e.siren(siren)
	e.dirty = true
	e.tick(now)
}
