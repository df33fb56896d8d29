// Sensor health: each sensor's last reading and condition, the fault and
// restore events of real transitions, low-battery notices, and the sensor list
// after a config reload.

package gateway

import (
	"context"
	"time"

	"github.com/safehub-iot/safehub/event"
)

// SensorHealth is one sensor's condition for status reports and heartbeats.
type SensorHealth struct {
	ID       string       `json:"id"`
	Kind     string       `json:"kind"`
	Room     string       `json:"room,omitempty"`
	Health   event.Health `json:"health"`
	Reason   string       `json:"reason,omitempty"`
	LastSeen time.Time    `json:"last_seen,omitzero"`
	// Last holds the latest value of each quantity.
	Last map[string]float64 `json:"last,omitempty"`

	// Health and Reason combine the driver's report with the faults the
	// rules find (a sensor silent or chattering); each is kept apart, so
	// one ending does not hide the other.
	driver, driverReason string
	ruleFault            string
}

// settle derives Health and Reason: a driver's fault first, then a fault
// the rules found.
func (h *SensorHealth) settle() {
	switch {
	case h.driver == string(event.HealthFault):
		h.Health, h.Reason = event.HealthFault, h.driverReason
	case h.ruleFault != "":
		h.Health, h.Reason = event.HealthFault, h.ruleFault
	case h.Health == event.HealthFault:
		h.Health, h.Reason = event.HealthOK, ""
	}
}

// Health returns each sensor's condition, sorted by config order is not
// kept: callers sort as they need.
func (p *Pipeline) Health() []SensorHealth {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]SensorHealth, 0, len(p.health))
	for _, h := range p.health {
		c := *h
		if h.Last != nil {
			c.Last = make(map[string]float64, len(h.Last))
			for k, v := range h.Last {
				c.Last[k] = v
			}
		}
		out = append(out, c)
	}
	return out
}

// SetSensors replaces the sensor list after a config reload: health entries
// of removed sensors go, new ones start as unknown, kept ones keep their
// state.
func (p *Pipeline) SetSensors(ctx context.Context, specs []SensorSpec) error {
	return p.Exec(ctx, func(time.Time, Evaluator) []Action {
		p.mu.Lock()
		defer p.mu.Unlock()
		next := map[string]SensorSpec{}
		health := map[string]*SensorHealth{}
		for _, s := range specs {
			next[s.ID] = s
			h, ok := p.health[s.ID]
			if !ok {
				h = &SensorHealth{ID: s.ID, Health: event.HealthUnknown}
			}
			h.Kind, h.Room = string(s.Kind), s.Room
			health[s.ID] = h
		}
		p.sensors, p.health = next, health
		return nil
	})
}

// BatteryRenotify is how often a battery still reported low is reported to
// the center again, in case the first notice went unheeded.
const BatteryRenotify = 24 * time.Hour

// batteryNotice turns a device's low-battery report into one low_battery
// event (a maintenance notice for the center, not an alarm), whatever the
// rules say: no sensor's dying battery may go unnoticed. A pendant repeats
// the flag with every transmission, so further reports are quiet until
// BatteryRenotify has passed; a report of a good battery ends the episode.
func (p *Pipeline) batteryNotice(r Reading) *event.Event {
	if r.Quantity != QBatteryLow {
		return nil
	}
	if r.Value == 0 {
		delete(p.battery, r.Sensor)
		return nil
	}
	if last, ok := p.battery[r.Sensor]; ok && r.Time.Sub(last) < BatteryRenotify {
		return nil
	}
	p.battery[r.Sensor] = r.Time
	return &event.Event{Kind: event.LowBattery, Severity: event.Low, Sensor: r.Sensor, Message: "battery low: replace it", Time: r.Time}
}

// healthChange updates a sensor's health and returns the event for a real
// transition: a fault reported twice is one fault event.
func (p *Pipeline) healthChange(s Status) *event.Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.health[s.Sensor]
	if h == nil {
		return nil
	}
	prev := event.Health(h.driver)
	h.driver, h.driverReason = string(s.Health), s.Reason
	h.Health, h.Reason = s.Health, s.Reason
	h.settle()
	switch {
	case s.Health == event.HealthFault && prev != event.HealthFault:
		return &event.Event{Kind: event.SensorFault, Severity: event.High, Sensor: s.Sensor, Message: s.Reason, Time: s.Time}
	case s.Health == event.HealthOK && prev == event.HealthFault:
		return &event.Event{Kind: event.SensorRestored, Severity: event.Info, Sensor: s.Sensor, Message: "sensor working again", Time: s.Time}
	}
	return nil
}

// ruleHealth folds a fault the rules found, or its end, into the sensor's
// health, so status and heartbeats show a chattering or silent sensor.
func (p *Pipeline) ruleHealth(ev *event.Event) {
	if ev.Rule == "" || ev.Sensor == "" || (ev.Kind != event.SensorFault && ev.Kind != event.SensorRestored) {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.health[ev.Sensor]
	if h == nil {
		return
	}
	h.ruleFault = ""
	if ev.Kind == event.SensorFault {
		h.ruleFault = ev.Message
		if h.ruleFault == "" {
			h.ruleFault = "fault found by rule " + ev.Rule
		}
	}
	h.settle()
}

// TamperRenotify is how long a device repeating its tamper report stays
// one tamper event.
const TamperRenotify = time.Hour

// tamperNotice turns a tamper report (a sensor's or the box's case opened)
// into a tamper event for the center's maintenance list, whatever the
// rules say. A device repeats the report with every transmission, so
// further reports are quiet for TamperRenotify; a report of 0 ends it.
func (p *Pipeline) tamperNotice(r Reading) *event.Event {
	if r.Quantity != QTamper {
		return nil
	}
	if r.Value == 0 {
		delete(p.tamper, r.Sensor)
		return nil
	}
	if last, ok := p.tamper[r.Sensor]; ok && r.Time.Sub(last) < TamperRenotify {
		return nil
	}
	p.tamper[r.Sensor] = r.Time
	return &event.Event{Kind: event.Tamper, Severity: event.Medium, Sensor: r.Sensor, Message: "tamper: the case was opened", Time: r.Time}
}
