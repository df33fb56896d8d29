package gpio

import (
	"fmt"

	"periph.io/x/conn/v3/gpio"

	"github.com/safehub-iot/safehub/gateway"
)

type outputOptions struct {
	Pin    string `yaml:"pin"`
	Active string `yaml:"active"` // high (default) or low: the level that means on
}

// OutputPin is a configured output: the siren or a LED.
type OutputPin struct {
	pin    string // as written, for opening
	line   string // canonical GPIO<n>
	active gpio.Level
}

func configureOutput(spec gateway.OutputSpec) (gateway.OutputOpener, error) {
	opts := outputOptions{Active: "high"}
	if spec.Options != nil {
		if err := spec.Options.Decode(&opts); err != nil {
			return nil, err
		}
	}
	line, err := canonicalPin("pin", opts.Pin)
	if err != nil {
		return nil, err
	}
	active, err := parseActive(opts.Active)
	if err != nil {
		return nil, err
	}
	return &OutputPin{pin: opts.Pin, line: line, active: active}, nil
}

// OpenOutput implements gateway.OutputOpener: the pin is driven to off.
func (o *OutputPin) OpenOutput(env gateway.Env) (gateway.Output, error) {
	p, err := env.HW.GPIO(o.pin)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", o.pin, err)
	}
	out := &output{pin: p, active: o.active}
	if err := out.Set(false); err != nil {
		return nil, err
	}
	return out, nil
}

type output struct {
	pin    gpio.PinOut
	active gpio.Level
}

func (o *output) Set(on bool) error {
	l := !o.active
	if on {
		l = o.active
	}
	if err := o.pin.Out(l); err != nil {
		return fmt.Errorf("drive %s: %w", o.pin, err)
	}
	return nil
}
