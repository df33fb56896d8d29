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

// Reset resets the latched alarms (smoke): the evaluator clears them and
// silences the siren; smoke still present raises a new alarm at once. The
// center's reset command, the local API and a reset_button sensor use it.
func (p *Pipeline) Reset(ctx context.Context) error {
	return p.Exec(ctx, func(now time.Time, eval Evaluator) []Action {
		return p.reset(now, eval)
	})
}

func (p *Pipeline) reset(now time.Time, eval Evaluator) []Action {
	r, ok := eval.(Resetter)
	if !ok {
		return nil
	}
	p.log.Info("latched alarms reset")
	return r.Reset(now)
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
// lifecycle: a raise for an active key becomes an alarm_repeated event of
// that alarm. It reports false for an event to drop.
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
	case event.AlarmRaised, event.AlarmRepeated:
		if id, dup := p.active[key]; dup {
			// The trigger came again while its alarm is active (latched
			// smoke, a second press): a repeat of that alarm, recorded and
			// sent, never a second alarm and never dropped.
			ev.Kind, ev.AlarmID = event.AlarmRepeated, id
			return true
		}
		// A repeat of an alarm the pipeline does not know as active is
		// news of its own: a new alarm.
		ev.Kind, ev.AlarmID = event.AlarmRaised, ev.ID
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
