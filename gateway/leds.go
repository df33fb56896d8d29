// The LEDs follow the alarms: "alarm sent" is lit while an active alarm has
// reached the center's broker, "help is coming" while an active alarm the
// center acknowledged needs it. Neither stays lit for an alarm that is over.

package gateway

import (
	"context"
	"time"
)

// HelpComingFor is how long "help is coming" stays lit after an
// acknowledgement when no acknowledged alarm is active any more: a call
// button's alarm ends with its acknowledgement, but the resident should see
// that help is on the way until it is there.
const HelpComingFor = 30 * time.Minute

// The LED output kinds the pipeline drives.
const (
	LEDAlarmSent  = "led_alarm_sent"
	LEDHelpComing = "led_help_coming"
)

// alarmFlags is what the LEDs need to know of one active alarm.
type alarmFlags struct {
	test  bool // a commissioning test: it lights no "help is coming"
	acked bool // the center acknowledged it
	sent  bool // the center's broker has it
}

// leds is the LEDs' state, owned by the loop.
type leds struct {
	alarms    map[string]*alarmFlags // by active alarm id
	helpUntil time.Time              // "help is coming" stays lit until then
	sent      bool                   // as driven (outputs start off)
	help      bool
	dirty     bool // flags changed: save the active alarms
}

// levels is what the LEDs should show at now.
func (l *leds) levels(now time.Time) (sent, help bool) {
	help = now.Before(l.helpUntil)
	for _, f := range l.alarms {
		sent = sent || f.sent
		help = help || (f.acked && !f.test)
	}
	return sent, help
}

// next is when the LEDs change by themselves (zero: never).
func (l *leds) next(now time.Time) time.Time {
	if now.Before(l.helpUntil) {
		return l.helpUntil
	}
	return time.Time{}
}

// driveLEDs switches the LEDs that should change.
func (p *Pipeline) driveLEDs(now time.Time) {
	sent, help := p.leds.levels(now)
	if sent != p.leds.sent {
		p.leds.sent = sent
		p.setOutput(LEDAlarmSent, sent)
	}
	if help != p.leds.help {
		p.leds.help = help
		p.setOutput(LEDHelpComing, help)
	}
}

// acknowledged records the center's acknowledgement of an alarm, on the
// loop: "help is coming" lights unless the alarm is a commissioning test.
func (p *Pipeline) acknowledged(now time.Time, alarmID string) {
	f := p.leds.alarms[alarmID]
	switch {
	case f != nil:
		f.acked, p.leds.dirty = true, true
		if f.test {
			return
		}
	case p.testMode.Load():
		return // an alarm already over, acknowledged during a walk test
	}
	p.leds.helpUntil = now.Add(HelpComingFor)
}

// Delivered records that the center's broker has the alarm with this id
// (the cloud link's PUBACK): "alarm sent" lights while it is active.
func (p *Pipeline) Delivered(ctx context.Context, alarmID string) error {
	return p.Exec(ctx, func(time.Time, Evaluator) []Action {
		if f := p.leds.alarms[alarmID]; f != nil && !f.sent {
			f.sent, p.leds.dirty = true, true
		}
		return nil
	})
}
