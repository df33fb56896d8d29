package simhome

import (
	"context"
	"fmt"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/safehub-iot/safehub/drivers/climate"
	"github.com/safehub-iot/safehub/drivers/mqgas"
	"github.com/safehub-iot/safehub/drivers/mr60fda1"
	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/firmware-sim/i2csim"
	"github.com/safehub-iot/safehub/firmware-sim/scenario"
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
	address                 uint32
	press, battery, checkIn uint8
}

func (r *rfDevice) code(bits uint8) uint32 { return r.address<<4 | uint32(bits&0x0F) }

// activeLevel is the gpio driver's default triggered level by kind.
var activeLevel = map[event.SensorKind]gpio.Level{event.CallButton: gpio.Low, event.Door: gpio.High, event.Smoke: gpio.Low, event.Motion: gpio.High, event.MainsPower: gpio.High}

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
		d.rf = &rfDevice{address: o.Address, press: o.Events["press"], battery: o.Events["low_battery"], checkIn: o.Events["check_in"]}
	default:
		return fmt.Errorf("driver %q has no simulator", spec.Driver)
	}
	return nil
}

// Do implements scenario.Home.
func (h *Home) Do(ctx context.Context, op scenario.Op) error {
	st := op.Step
	switch st.Do {
	case scenario.NetworkCut, scenario.BrokerRestart:
		if h.opts.Network == nil {
			return fmt.Errorf("this home has no network to cut")
		}
		h.opts.Network.SetDown(op.Phase == scenario.Begin)
		return nil
	}
	d, ok := h.devices[st.Device]
	if !ok {
		return fmt.Errorf("no sensor %q in the home's config", st.Device)
	}
	begin := op.Phase == scenario.Begin
	switch st.Do {
	case scenario.Press:
		if d.rf != nil {
			if begin {
				return h.bridge.Send(d.rf.code(d.rf.press), 6)
			}
			return nil
		}
		return h.setPin(d, begin, event.CallButton)
	case scenario.Flicker:
		return h.setPin(d, begin, "")
	case scenario.DoorOpen, scenario.DoorClose:
		return h.setPin(d, st.Do == scenario.DoorOpen, event.Door)
	case scenario.Motion:
		return h.setPin(d, begin, event.Motion)
	case scenario.Smoke, scenario.SmokeClear:
		return h.setPin(d, st.Do == scenario.Smoke, event.Smoke)
	case scenario.MainsLost, scenario.MainsRestored:
		return h.setPin(d, st.Do == scenario.MainsLost, event.MainsPower)
	case scenario.Gas:
		if d.adc == nil {
			return fmt.Errorf("%s is not a gas sensor", d.id)
		}
		from := d.ppm
		d.ppm = st.Value
		d.watchUntil = h.clock.Now().Add(st.Over + watchAfter)
		cal := d.cal
		volts := func(ppm float64) float64 { return cal.Volts(max(ppm, 1)) }
		d.adc.Set(d.ch, i2csim.Map(i2csim.Ramp(h.clock.Now(), from, st.Value, st.Over), volts))
		return nil
	case scenario.Temperature:
		if d.bme == nil {
			return fmt.Errorf("%s is not a climate sensor", d.id)
		}
		d.bme.RampTemp(d.temp, st.Value, st.Over, roomRH, roomHPa)
		d.watchUntil = h.clock.Now().Add(st.Over + watchAfter)
		d.temp = st.Value
		return nil
	case scenario.Fall, scenario.GetUp:
		if !d.radar {
			return fmt.Errorf("%s is not a fall radar", d.id)
		}
		if st.Do == scenario.Fall {
			return h.radar.Fall()
		}
		return h.radar.Recover()
	case scenario.RadarSilent, scenario.RadarResume:
		if !d.radar {
			return fmt.Errorf("%s is not a fall radar", d.id)
		}
		h.radarSilent = st.Do == scenario.RadarSilent
		if h.radarSilent {
			h.radar.Silence()
		} else {
			h.radar.Resume()
		}
		return nil
	case scenario.LowBattery:
		if d.rf == nil || d.rf.battery == 0 {
			return fmt.Errorf("%s is not a wireless device that reports its battery", d.id)
		}
		return h.bridge.Send(d.rf.code(d.rf.battery), 6)
	case scenario.I2CFail, scenario.I2CRepair:
		var chip interface {
			Fail(i2csim.Fault)
			Repair()
		}
		switch {
		case d.adc != nil:
			chip = d.adc
		case d.bme != nil:
			chip = d.bme
		default:
			return fmt.Errorf("%s is not an I²C sensor", d.id)
		}
		if st.Do == scenario.I2CRepair {
			chip.Repair()
			return nil
		}
		mode, err := i2csim.ParseFault(st.Fault)
		if err != nil {
			return err
		}
		chip.Fail(mode)
		return nil
	}
	return fmt.Errorf("action %s has no simulator", st.Do)
}

// setPin drives a GPIO sensor's line to triggered (on) or idle. kind, if
// set, is the sensor kind the action is meant for.
func (h *Home) setPin(d *device, on bool, kind event.SensorKind) error {
	if d.pin == "" || (kind != "" && d.kind != kind) {
		want := string(kind)
		if want == "" {
			want = "GPIO"
		}
		return fmt.Errorf("%s is a %s sensor, not a %s input", d.id, d.kind, want)
	}
	level := !d.active
	if on {
		level = d.active
	}
	h.HW.Pins.Set(d.pin, level)
	return nil
}
