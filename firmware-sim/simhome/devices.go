// The simulated devices: one per configured sensor, built from the same
// driver options the daemon reads and attached to the simulated pins, I²C
// bus and serial ports.

package simhome

import (
	"fmt"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/safehub-iot/safehub/drivers/climate"
	"github.com/safehub-iot/safehub/drivers/mqgas"
	"github.com/safehub-iot/safehub/drivers/mr60fda1"
	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/firmware-sim/i2csim"
	"github.com/safehub-iot/safehub/firmware-sim/serialsim"
	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/gateway/config"
)

// Levels a home starts with: clean air, a mild room.
const (
	cleanAirPPM = 80
	roomTemp    = 21.0
	roomRH      = 45.0
	roomHPa     = 1013.0
)

// watchAfter is how long after a gas or temperature change (and its ramp)
// Sync paces the clock by the sensor's samples: long enough for the rules'
// raise and clear delays to play out on real samples.
const watchAfter = 3 * time.Minute

// device is one sensor's simulated hardware.
type device struct {
	id   string
	kind event.SensorKind
	// gpio
	pin    string
	active gpio.Level
	// gas
	adc *i2csim.ADS1115
	ch  int
	cal mqgas.Calibration
	ppm float64
	// interval is how often the sensor samples (gas, climate); while the
	// clock is before watchUntil, Sync keeps time from running ahead of
	// its samples.
	interval   time.Duration
	watchUntil time.Time
	// climate
	bme  *i2csim.BME280
	temp float64
	// radar
	radar bool
	// rf433
	rf *rfDevice
}

type rfDevice struct {
	address                         uint32
	press, battery, checkIn, tamper uint8
}

func (r *rfDevice) code(bits uint8) uint32 { return r.address<<4 | uint32(bits&0x0F) }

// activeLevel is the gpio driver's default triggered level by kind.
var activeLevel = map[event.SensorKind]gpio.Level{event.CallButton: gpio.Low, event.Door: gpio.High, event.Smoke: gpio.Low, event.Motion: gpio.High, event.MainsPower: gpio.High, event.ResetButton: gpio.Low}

type gpioOpts struct {
	Pin      string `yaml:"pin"`
	Pull     string `yaml:"pull"`
	Active   string `yaml:"active"`
	Debounce string `yaml:"debounce"`
	Retry    string `yaml:"retry"`
}

// rfOpts mirrors rfbridge.Options (its Decode rejects unknown fields).
type rfOpts struct {
	Port         string           `yaml:"port"`
	Baud         int              `yaml:"baud"`
	Address      uint32           `yaml:"address"`
	Events       map[string]uint8 `yaml:"events"`
	CheckIn      time.Duration    `yaml:"check_in"`
	RepeatWindow time.Duration    `yaml:"repeat_window"`
}

func (h *Home) buildDevices(cfg *config.File) error {
	for _, spec := range cfg.SensorSpecs() {
		d := &device{id: spec.ID, kind: spec.Kind}
		if err := h.buildDevice(spec, d); err != nil {
			return fmt.Errorf("simhome: sensor %s: %w", spec.ID, err)
		}
		h.devices[spec.ID] = d
	}
	return nil
}

func (h *Home) buildDevice(spec gateway.SensorSpec, d *device) error {
	switch spec.Driver {
	case "gpio":
		var o gpioOpts
		if err := spec.Options.Decode(&o); err != nil {
			return err
		}
		d.pin, d.active = o.Pin, activeLevel[spec.Kind]
		switch o.Active {
		case "low":
			d.active = gpio.Low
		case "high":
			d.active = gpio.High
		}
		h.HW.Pins.Set(d.pin, !d.active) // idle: button up, door shut, no smoke
	case "ads1115-mq":
		op, err := gateway.LookupDriver(spec.Driver).Configure(spec)
		if err != nil {
			return err
		}
		mq, ok := op.(*mqgas.Opener)
		if !ok {
			return fmt.Errorf("ads1115-mq driver gave %T, want *mqgas.Opener", op)
		}
		var o mqgas.Options
		if err := spec.Options.Decode(&o); err != nil {
			return err
		}
		bus, addr := mq.I2CAddress()
		d.adc, d.ch, d.cal, d.ppm = i2csim.NewADS1115(h.clock), o.Channel, mq.Calibration(), cleanAirPPM
		d.interval = o.SampleInterval
		if d.interval <= 0 {
			d.interval = time.Second
		}
		d.adc.SetVolts(d.ch, d.cal.Volts(d.ppm))
		if err := h.HW.Bus(bus).Attach(addr, d.adc); err != nil {
			return err
		}
	case "bme280":
		var o climate.Options
		if err := spec.Options.Decode(&o); err != nil {
			return err
		}
		bus, addr := o.Bus, o.Address
		if bus == "" {
			bus = "1"
		}
		if addr == 0 {
			addr = 0x76
		}
		d.bme, d.temp = i2csim.NewBME280(h.clock), roomTemp
		d.interval = o.SampleInterval
		if d.interval <= 0 {
			d.interval = 30 * time.Second
		}
		d.bme.SetClimate(roomTemp, roomRH, roomHPa)
		if err := h.HW.Bus(bus).Attach(addr, d.bme); err != nil {
			return err
		}
	case "mr60fda1":
		o := mr60fda1.DefaultOptions()
		if err := spec.Options.Decode(&o); err != nil {
			return err
		}
		if h.radar != nil {
			return fmt.Errorf("simhome simulates one radar per home")
		}
		r, err := serialsim.NewRadar()
		if err != nil {
			return err
		}
		h.radar, d.radar, h.radarID = r, true, spec.ID
		h.HW.MapSerial(o.Port, r.Path())
	case "rf433":
		var o rfOpts
		if err := spec.Options.Decode(&o); err != nil {
			return err
		}
		if h.bridge == nil {
			b, err := serialsim.NewRFBridge()
			if err != nil {
				return err
			}
			h.bridge = b
			h.HW.MapSerial(o.Port, b.Path())
		}
		d.rf = &rfDevice{address: o.Address, press: o.Events["press"], battery: o.Events["low_battery"], checkIn: o.Events["check_in"], tamper: o.Events["tamper"]}
	default:
		return fmt.Errorf("driver %q has no simulator", spec.Driver)
	}
	return nil
}
