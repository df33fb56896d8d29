package rfbridge

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
)

// Options are one wireless device's driver options in config.
type Options struct {
	// Port is the bridge's serial device; devices on one bridge share it.
	Port string `yaml:"port"`
	// Baud is the bridge's line speed (19200 for the Sonoff kind).
	Baud int `yaml:"baud"`
	// Address is the device's 20-bit address: its 24-bit code without the
	// 4 data bits (learn mode prints it).
	Address uint32 `yaml:"address"`
	// Events maps what the device reports to the value of its 4 data bits,
	// e.g. {press: 0x8, low_battery: 0x4}; see Meanings. The mapping varies
	// by vendor, so it has no default.
	Events map[string]uint8 `yaml:"events"`
	// CheckIn is how long the device may stay silent before it is reported
	// missing (supervision).
	CheckIn time.Duration `yaml:"check_in"`
	// RepeatWindow folds a burst: the same code again within this time of
	// the previous repeat is the same press.
	RepeatWindow time.Duration `yaml:"repeat_window"`
}

// Meanings are the events a device's data bits can carry, with the reading
// each one reports.
var Meanings = map[string]gateway.Reading{
	"press":       {Quantity: gateway.QPress, Value: 1},      // pendant button
	"open":        {Quantity: gateway.QActive, Value: 1},     // door opened
	"close":       {Quantity: gateway.QActive, Value: 0},     // door closed
	"alarm":       {Quantity: gateway.QActive, Value: 1},     // smoke detected
	"low_battery": {Quantity: gateway.QBatteryLow, Value: 1}, // battery low
	"tamper":      {Quantity: gateway.QTamper, Value: 1},     // case opened
	"check_in":    {Quantity: gateway.QHeartbeat, Value: 0},  // supervision only
}

// Kinds are the sensor kinds a device on the bridge can be.
var Kinds = []event.SensorKind{event.Pendant, event.Door, event.Smoke}

// required lists the event each sensor kind cannot do without.
var required = map[event.SensorKind]string{event.Pendant: "press", event.Door: "open", event.Smoke: "alarm"}

// RequiredEvent is the event a device of kind cannot do without (a
// pendant's press, a door's open, a smoke detector's alarm); false for a
// kind not in Kinds.
func RequiredEvent(kind event.SensorKind) (string, bool) {
	ev, ok := required[kind]
	return ev, ok
}

// DefaultOptions returns the options a config may leave out.
func DefaultOptions() Options {
	return Options{Baud: 19200, RepeatWindow: time.Second}
}

// Validate checks the options for a sensor of the given kind, without I/O.
func (o Options) Validate(kind event.SensorKind) error {
	fe := func(field, format string, args ...any) error {
		return &gateway.FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	switch {
	case o.Port == "":
		return fe("port", "required: the RF bridge's serial device, e.g. /dev/ttyUSB0")
	case o.Baud <= 0 || o.Baud > 921600:
		return fe("baud", "%d is out of range (the Sonoff RF Bridge uses 19200)", o.Baud)
	case o.Address == 0 || o.Address > 0xFFFFF:
		return fe("address", "%#x is not a 20-bit device address (want 0x1 to 0xFFFFF; learn mode prints it)", o.Address)
	case len(o.Events) == 0:
		return fe("events", "required: map the device's data bits to events, e.g. {press: 0x8}")
	case o.CheckIn < time.Minute:
		return fe("check_in", "%v is too short or missing: want how long the device may stay silent, at least 1m", o.CheckIn)
	case o.RepeatWindow < 100*time.Millisecond || o.RepeatWindow > 10*time.Second:
		return fe("repeat_window", "%v is out of range: want 100ms to 10s", o.RepeatWindow)
	}
	names := make([]string, 0, len(o.Events))
	for name := range o.Events {
		names = append(names, name)
	}
	sort.Strings(names)
	seen := map[uint8]string{}
	for _, name := range names {
		v := o.Events[name]
		if _, ok := Meanings[name]; !ok {
			return fe("events", "unknown event %q (want one of %s)", name, strings.Join(meaningNames(), ", "))
		}
		if v > 0x0F {
			return fe("events", "%s: %#x does not fit in 4 data bits (want 0x0 to 0xF)", name, v)
		}
		if other, dup := seen[v]; dup {
			return fe("events", "%s and %s both use data bits %#x", other, name, v)
		}
		seen[v] = name
	}
	if need, ok := required[kind]; ok {
		if _, has := o.Events[need]; !has {
			return fe("events", "a %s needs a %q event", kind, need)
		}
	}
	return nil
}

func meaningNames() []string {
	var n []string
	for k := range Meanings {
		n = append(n, k)
	}
	slices.Sort(n)
	return n
}

func init() {
	gateway.Register(&gateway.Driver{Name: "rf433", Kinds: Kinds, Configure: configure, Pairing: pairing{}})
}

func configure(spec gateway.SensorSpec) (gateway.Opener, error) {
	o := DefaultOptions()
	if spec.Options != nil {
		if err := spec.Options.Decode(&o); err != nil {
			return nil, err
		}
	}
	if err := o.Validate(spec.Kind); err != nil {
		return nil, err
	}
	return opener{id: spec.ID, opts: o}, nil
}

type opener struct {
	id   string
	opts Options
}

func (op opener) Open(env gateway.Env) (gateway.Sensor, error) { return Open(env, op.id, op.opts) }
