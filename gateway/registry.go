package gateway

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"sync"

	"github.com/jonboulle/clockwork"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/i2c"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/internal/fielderr"
)

// Clock is the time source everything time-dependent takes, so tests drive
// debounce, hold times and escalation without sleeping.
type Clock = clockwork.Clock

// Emitter is where a running sensor reports. Implementations never block for
// long and are safe for concurrent use.
type Emitter interface {
	// Reading reports a value. Time must be set.
	Reading(r Reading)
	// Status reports a change in the sensor's health (fault or recovery).
	Status(s Status)
}

// Sensor is an opened input device.
type Sensor interface {
	// Run reads the device and reports through out until ctx is done. A
	// device that fails reports a fault Status and keeps trying to recover;
	// Run returns only when ctx is done (nil) or on a bug.
	Run(ctx context.Context, out Emitter) error
}

// Output is an opened output: the siren, a LED.
type Output interface {
	// Set turns the output on or off.
	Set(on bool) error
}

// Hardware is how drivers reach devices. The daemon passes periph's real
// host (drivers/hostio); tests and the simulator pass firmware-sim. Drivers
// never own what they get: the daemon closes buses and ports.
type Hardware interface {
	// GPIO returns the pin with the given name (e.g. "GPIO17").
	GPIO(name string) (gpio.PinIO, error)
	// I2C returns the named bus (e.g. "1" or "/dev/i2c-1"); shared by all
	// drivers on it.
	I2C(name string) (i2c.Bus, error)
	// Serial opens a serial port at the given speed.
	Serial(path string, baud int) (io.ReadWriteCloser, error)
}

// Env is what a driver gets when it opens its device.
type Env struct {
	HW    Hardware
	Clock Clock
	Log   *slog.Logger
}

// Options decodes a sensor's driver-specific options. Drivers never see YAML:
// Decode fills a struct whose fields carry `yaml` tags, rejects unknown
// fields and names the line of any mistake.
type Options interface {
	Decode(v any) error
}

// FieldError is a mistake in one option: Field is the option name, e.g.
// "pin", "" for the options as a whole. Config code adds the path and line.
type FieldError = fielderr.Error

// SensorSpec is a sensor as the config declares it.
type SensorSpec struct {
	ID      string
	Kind    event.SensorKind
	Driver  string
	Room    string
	Options Options
}

// OutputSpec is an output as the config declares it.
type OutputSpec struct {
	ID      string
	Kind    string // siren, led_alarm_sent, led_help_coming
	Driver  string
	Options Options
}

// Opener is a validated device, ready to open. Configure steps do no I/O so
// that check-config can run them on a laptop.
type Opener interface {
	Open(env Env) (Sensor, error)
}

// OutputOpener is a validated output, ready to open.
type OutputOpener interface {
	OpenOutput(env Env) (Output, error)
}

// Driver is a family of devices, registered by name from the driver
// package's init.
type Driver struct {
	Name string
	// Kinds lists the sensor kinds this driver can serve.
	Kinds []event.SensorKind
	// Configure validates a sensor's options (no I/O). Errors should be
	// *FieldError where one option is to blame.
	Configure func(spec SensorSpec) (Opener, error)
	// ConfigureOutput, if set, validates an output's options (no I/O).
	ConfigureOutput func(spec OutputSpec) (OutputOpener, error)
	// Pairing, if set, learns new devices of this family (see Pairing).
	Pairing Pairing
}

var (
	regMu   sync.RWMutex
	drivers = map[string]*Driver{}
)

// Register makes a driver available by name. It panics on a duplicate name,
// as database/sql does: that is a programming error found at start-up.
func Register(d *Driver) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := drivers[d.Name]; dup {
		panic(fmt.Sprintf("gateway: driver %q registered twice", d.Name))
	}
	drivers[d.Name] = d
}

// LookupDriver returns the registered driver, or nil.
func LookupDriver(name string) *Driver {
	regMu.RLock()
	defer regMu.RUnlock()
	return drivers[name]
}

// DriverNames lists the registered drivers, sorted.
func DriverNames() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	return sortedNames()
}

// sortedNames lists the registered drivers, sorted; regMu must be held.
func sortedNames() []string {
	names := make([]string, 0, len(drivers))
	for n := range drivers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
