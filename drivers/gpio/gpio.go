// Package gpio is the driver for digital inputs and outputs on GPIO pins, via
// periph's gpio interfaces: call buttons, door reed contacts, a certified
// smoke detector's relay line, PIR motion sensors and a UPS board's
// power-fail line, the box's reset button; and the siren and status LEDs.
//
// Inputs are edge-driven, not polled: the driver waits for an edge, then
// reads the level again (edges may coalesce), and reports a level only after
// it has held for the debounce time, so a bouncing contact or a flickering
// line reports nothing. A pin that cannot be opened becomes a sensor fault,
// retried until it works; the other sensors are not affected.
package gpio

import (
	"context"
	"fmt"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/internal/duration"
)

func init() {
	gateway.Register(&gateway.Driver{
		Name:            "gpio",
		Kinds:           []event.SensorKind{event.CallButton, event.Door, event.Smoke, event.Motion, event.MainsPower, event.ResetButton},
		Configure:       configure,
		ConfigureOutput: configureOutput,
	})
}

// kindDefaults are the wiring most installs use for each kind.
var kindDefaults = map[event.SensorKind]inputOptions{
	// A normally-open button to ground: pressed pulls the line low. 20 ms
	// is the low end of the usual 20-50 ms for mechanical contacts (whose
	// bounce measures in single milliseconds; Linux's gpio-keys uses 5 ms)
	// and still ignores interference spikes on a long pull-cord wire. Every
	// millisecond here is a millisecond before help is called.
	event.CallButton: {Pull: "up", Active: "low", Debounce: 20 * time.Millisecond},
	// A reed contact closed while the door is shut: open lets the line rise.
	event.Door: {Pull: "up", Active: "high", Debounce: 250 * time.Millisecond},
	// A detector's alarm relay closing to ground.
	event.Smoke: {Pull: "up", Active: "low", Debounce: 500 * time.Millisecond},
	// A PIR's push-pull output, high on motion.
	event.Motion: {Pull: "down", Active: "high", Debounce: 50 * time.Millisecond},
	// A UPS board's power-fail line, high while on battery; brown-outs
	// shorter than the debounce are not a mains loss.
	event.MainsPower: {Pull: "down", Active: "high", Debounce: 2 * time.Second},
	// The box's reset button, to ground: held for a second it resets the
	// latched alarms, so a knock or a child's poke does not.
	event.ResetButton: {Pull: "up", Active: "low", Debounce: time.Second},
}

type inputOptions struct {
	Pin       string        `yaml:"pin"`
	Pull      string        `yaml:"pull"`     // up, down, none
	Active    string        `yaml:"active"`   // low or high: the level that means triggered
	Debounce  time.Duration `yaml:"-"`        // parsed from DebounceS
	DebounceS string        `yaml:"debounce"` // e.g. 30ms
	// Retry is how often a pin that failed to open is tried again.
	RetryS string        `yaml:"retry"`
	Retry  time.Duration `yaml:"-"`
}

func parsePull(s string) (gpio.Pull, error) {
	switch s {
	case "up":
		return gpio.PullUp, nil
	case "down":
		return gpio.PullDown, nil
	case "none", "float":
		return gpio.Float, nil
	}
	return gpio.PullNoChange, &gateway.FieldError{Field: "pull", Msg: fmt.Sprintf("%q: expected up, down or none", s)}
}

func parseActive(s string) (gpio.Level, error) {
	switch s {
	case "high":
		return gpio.High, nil
	case "low":
		return gpio.Low, nil
	}
	return gpio.Low, &gateway.FieldError{Field: "active", Msg: fmt.Sprintf("%q: expected high or low", s)}
}

func parseDur(field, s string, def, lo, hi time.Duration) (time.Duration, error) {
	if s == "" {
		return def, nil
	}
	d, err := duration.Parse(s)
	if err != nil {
		return 0, &gateway.FieldError{Field: field, Msg: fmt.Sprintf("%q: expected a duration such as 30ms or 2s", s)}
	}
	if d < lo || d > hi {
		return 0, &gateway.FieldError{Field: field, Msg: fmt.Sprintf("%s is out of range: expected %s to %s", d, lo, hi)}
	}
	return d, nil
}

// Input is a configured digital input, ready to open.
type Input struct {
	id       string
	pin      string // as written, for opening
	line     string // canonical GPIO<n>
	pull     gpio.Pull
	active   gpio.Level
	debounce time.Duration
	retry    time.Duration
}

func configure(spec gateway.SensorSpec) (gateway.Opener, error) {
	def, ok := kindDefaults[spec.Kind]
	if !ok {
		return nil, &gateway.FieldError{Msg: fmt.Sprintf("the gpio driver does not serve kind %q", spec.Kind)}
	}
	opts := def
	opts.Pull, opts.Active = "", ""
	if spec.Options != nil {
		if err := spec.Options.Decode(&opts); err != nil {
			return nil, err
		}
	}
	if opts.Pull == "" {
		opts.Pull = def.Pull
	}
	if opts.Active == "" {
		opts.Active = def.Active
	}
	in := &Input{id: spec.ID, pin: opts.Pin}
	var err error
	if in.line, err = canonicalPin("pin", opts.Pin); err != nil {
		return nil, err
	}
	if in.pull, err = parsePull(opts.Pull); err != nil {
		return nil, err
	}
	if in.active, err = parseActive(opts.Active); err != nil {
		return nil, err
	}
	if in.debounce, err = parseDur("debounce", opts.DebounceS, def.Debounce, time.Millisecond, 10*time.Second); err != nil {
		return nil, err
	}
	if in.retry, err = parseDur("retry", opts.RetryS, 10*time.Second, 100*time.Millisecond, 10*time.Minute); err != nil {
		return nil, err
	}
	return in, nil
}

// Open implements gateway.Opener. The pin itself is opened in Run, so a pin
// that is busy now becomes a fault that clears when it frees up.
func (in *Input) Open(env gateway.Env) (gateway.Sensor, error) {
	return &inputSensor{cfg: in, env: env}, nil
}

type inputSensor struct {
	cfg *Input
	env gateway.Env
}

// pollEvery bounds how long the driver blocks in WaitForEdge, so it notices
// ctx being done and re-reads the level even if an edge was lost.
const pollEvery = time.Second

// Run implements gateway.Sensor.
func (s *inputSensor) Run(ctx context.Context, out gateway.Emitter) error {
	c := s.cfg
	clock := s.env.Clock
	var pin gpio.PinIn
	for pin == nil {
		p, err := s.open()
		if err == nil {
			pin = p
			break
		}
		out.Status(gateway.Status{Health: event.HealthFault, Reason: err.Error(), Time: clock.Now()})
		select {
		case <-ctx.Done():
			return nil
		case <-clock.After(c.retry):
		}
	}
	out.Status(gateway.Status{Health: event.HealthOK, Time: clock.Now()})
	deb := debouncer{hold: c.debounce}
	for ctx.Err() == nil {
		now := clock.Now()
		level := pin.Read() == c.active
		if v, changed := deb.observe(now, level); changed {
			val := 0.0
			if v {
				val = 1
			}
			out.Reading(gateway.Reading{Quantity: gateway.QActive, Value: val, Time: now})
		}
		wait := pollEvery
		if at, ok := deb.deadline(); ok {
			wait = at.Sub(now)
			if wait <= 0 {
				continue
			}
		}
		pin.WaitForEdge(wait)
	}
	return nil
}

func (s *inputSensor) open() (gpio.PinIn, error) {
	c := s.cfg
	p, err := s.env.HW.GPIO(c.pin)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", c.pin, err)
	}
	if err := p.In(c.pull, gpio.BothEdges); err != nil {
		return nil, fmt.Errorf("set %s as input: %w", c.pin, err)
	}
	return p, nil
}
