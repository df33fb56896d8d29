package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
)

// SensorSpecs converts the sensors to what drivers and rules take.
func (f *File) SensorSpecs() []gateway.SensorSpec {
	out := make([]gateway.SensorSpec, len(f.Sensors))
	for i, s := range f.Sensors {
		out[i] = gateway.SensorSpec{ID: s.ID, Kind: s.Kind, Driver: s.Driver, Room: s.Room, Options: s.Options}
	}
	return out
}

// OutputSpecs converts the outputs to what drivers take.
func (f *File) OutputSpecs() []gateway.OutputSpec {
	out := make([]gateway.OutputSpec, len(f.Outputs))
	for i, o := range f.Outputs {
		out[i] = gateway.OutputSpec{ID: o.ID, Kind: o.Kind, Driver: o.Driver, Options: o.Options}
	}
	return out
}

// driverError places a driver's Configure error at the option it names.
func (v *validator) driverError(base string, opts Options, err error) {
	var ce Errors
	if errors.As(err, &ce) {
		v.errs = append(v.errs, ce...)
		return
	}
	var fe *gateway.FieldError
	if errors.As(err, &fe) {
		path := base + ".options"
		if fe.Field != "" {
			path += "." + fe.Field
		}
		line := opts.Line(fe.Field)
		if line == 0 {
			line = v.lineOf(base)
		}
		v.errs = append(v.errs, &Error{Field: path, Line: line, Msg: fe.Msg})
		return
	}
	v.errs = append(v.errs, &Error{Field: base + ".options", Line: v.lineOf(base), Msg: err.Error()})
}

func (v *validator) sensors() {
	if len(v.f.Sensors) == 0 {
		v.add("sensors", "required: at least one sensor (a box that senses nothing protects no one)")
	}
	seen := map[string]string{}
	i2c := map[string]string{}
	for i, s := range v.f.Sensors {
		base := fmt.Sprintf("sensors[%d]", i)
		v.checkID(base, s.ID, seen)
		kinds := event.JoinSensorKinds(event.SensorKinds(), ", ")
		kindOK := v.required(base+".kind", string(s.Kind), "one of "+kinds)
		if kindOK && !s.Kind.Known() {
			v.add(base+".kind", "%q: expected one of %s", s.Kind, kinds)
			kindOK = false
		}
		if !v.required(base+".driver", s.Driver, "the driver name, one of "+strings.Join(gateway.DriverNames(), ", ")) {
			continue
		}
		if s.Kind == event.ResetButton && s.Driver != "gpio" {
			v.add(base+".driver", "%q: a reset_button is a button wired to the box, driver gpio (it resets latched alarms locally)", s.Driver)
			continue
		}
		d := gateway.LookupDriver(s.Driver)
		if d == nil || d.Configure == nil {
			v.add(base+".driver", "%q: unknown sensor driver (expected one of %s)", s.Driver, strings.Join(gateway.DriverNames(), ", "))
			continue
		}
		if kindOK && !slices.Contains(d.Kinds, s.Kind) {
			v.add(base+".kind", "%q: driver %s serves %s", s.Kind, s.Driver, event.JoinSensorKinds(d.Kinds, ", "))
			continue
		}
		op, err := d.Configure(gateway.SensorSpec{ID: s.ID, Kind: s.Kind, Driver: s.Driver, Room: s.Room, Options: s.Options})
		if err != nil {
			v.driverError(base, s.Options, err)
			continue
		}
		v.claimPin(base, "sensor "+s.ID, s.Options, op)
		if a, ok := op.(I2CAddresser); ok {
			bus, addr := a.I2CAddress()
			key := fmt.Sprintf("%s/0x%02x", bus, addr)
			if other, dup := i2c[key]; dup {
				v.errs = append(v.errs, &Error{Field: base + ".options.address", Line: s.Options.Line("address"), Msg: fmt.Sprintf("I2C address 0x%02x on bus %s is already used by sensor %s", addr, bus, other)})
			} else {
				i2c[key] = s.ID
			}
		}
	}
}

func (v *validator) checkID(base, id string, seen map[string]string) {
	if !v.required(base+".id", id, "a unique id such as button-bedroom") {
		return
	}
	if !sensorIDPattern.MatchString(id) {
		v.add(base+".id", "%q: expected lowercase letters, digits, '-' and '_', at most 63 characters", id)
	}
	if prev, dup := seen[id]; dup {
		v.add(base+".id", "duplicate id %q (already used by %s)", id, prev)
	}
	seen[id] = base
}

func (v *validator) outputs() {
	seen := map[string]string{}
	for _, s := range v.f.Sensors {
		seen[s.ID] = "a sensor"
	}
	for i, o := range v.f.Outputs {
		base := fmt.Sprintf("outputs[%d]", i)
		v.checkID(base, o.ID, seen)
		if v.required(base+".kind", o.Kind, "one of "+strings.Join(OutputKinds, ", ")) && !slices.Contains(OutputKinds, o.Kind) {
			v.add(base+".kind", "%q: expected one of %s", o.Kind, strings.Join(OutputKinds, ", "))
		}
		if !v.required(base+".driver", o.Driver, "the driver name, e.g. gpio") {
			continue
		}
		d := gateway.LookupDriver(o.Driver)
		if d == nil || d.ConfigureOutput == nil {
			v.add(base+".driver", "%q: unknown output driver", o.Driver)
			continue
		}
		op, err := d.ConfigureOutput(gateway.OutputSpec{ID: o.ID, Kind: o.Kind, Driver: o.Driver, Options: o.Options})
		if err != nil {
			v.driverError(base, o.Options, err)
			continue
		}
		v.claimPin(base, "output "+o.ID, o.Options, op)
	}
}
