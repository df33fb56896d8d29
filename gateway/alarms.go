// The alarm lifecycle: one active alarm per (rule, sensor) key, raised,
// escalated, cleared or cancelled under one alarm id, and acknowledged by the
// center.

package gateway

import (
	"context"
	"time"

	"github.com/safehub-iot/safehub/event"
)

// Acknowledge records that the center acknowledged the alarm with this id:
// the evaluator stops escalating it and the "help is coming" LED lights
// (not for a commissioning test alarm; leds.go says how long).
func (p *Pipeline) Acknowledge(ctx context.Context, alarmID string) error {
	return p.Exec(ctx, func(now time.Time, eval Evaluator) []Action {
		p.acknowledged(now, alarmID)
		var acts []Action
		for key, id := range p.active {
			if id != alarmID {
				continue
			}
			if h, ok := eval.(AckHandler); ok {
				acts = append(acts, h.Acknowledged(now, key)...)
			}
		}
		return acts
	})
}

// ActiveAlarms returns the ids of the alarms currently active, by key. It
// runs on the loop.
func (p *Pipeline) ActiveAlarms(ctx context.Context) (map[AlarmKey]string, error) {
	out := map[AlarmKey]string{}
	err := p.Exec(ctx, func(time.Time, Evaluator) []Action {
		for k, v := range p.active {
			out[k] = v
		}
		return nil
	})
	return out, err
}

type activeAlarm struct {
	Key   AlarmKey `json:"key"`
	ID    string   `json:"id"`
	Test  bool     `json:"test,omitempty"`
	Acked bool     `json:"acked,omitempty"`
	Sent  bool     `json:"sent,omitempty"`
}

// complete fills in what the pipeline owns and applies the one-alarm-per-key
// lifecycle. It reports false for an event to drop.
func (p *Pipeline) complete(now time.Time, ev *event.Event, activeChanged *bool) bool {
	if ev.Time.IsZero() {
		ev.Time = now
	}
	if spec, ok := p.sensors[ev.Sensor]; ok {
		if ev.SensorKind == "" {
			ev.SensorKind = string(spec.Kind)
		}
		if ev.Room == "" {
			ev.Room = spec.Room
		}
	}
	if p.testMode.Load() {
		ev.Test = true
	}
	if p.unsure != nil && p.unsure() {
		ev.ClockUnsure = true
	}
	if ev.Severity == "" {
		ev.Severity = event.Info
	}
	if ev.ID == "" {
		ev.ID = event.NewID()
	}
	key := AlarmKey{Rule: ev.Rule, Sensor: ev.Sensor}
	switch ev.Kind {
	case event.AlarmRaised:
		if _, dup := p.active[key]; dup {
			return false
		}
		ev.AlarmID = ev.ID
		p.active[key] = ev.ID
		p.leds.alarms[ev.ID] = &alarmFlags{test: ev.Test}
		*activeChanged = true
	case event.AlarmCleared, event.AlarmCancelled:
		id, ok := p.active[key]
		if !ok {
			return ev.AlarmID != ""
		}
		ev.AlarmID = id
		delete(p.active, key)
		delete(p.leds.alarms, id)
		*activeChanged = true
	case event.AlarmEscalated:
		id, ok := p.active[key]
		if !ok {
			return false
		}
		ev.AlarmID = id
	}
	return true
}
