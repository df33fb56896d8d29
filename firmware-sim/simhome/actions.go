// Scenario actions: what each step does to a home's simulated devices or
// its network.

package simhome

import (
	"context"
	"fmt"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/firmware-sim/i2csim"
	"github.com/safehub-iot/safehub/firmware-sim/scenario"
)

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
		if d.kind == event.ResetButton {
			return h.setPin(d, begin, event.ResetButton)
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
	case scenario.Tamper:
		if d.rf == nil || d.rf.tamper == 0 {
			return fmt.Errorf("%s is not a wireless device with a tamper code in its config", d.id)
		}
		return h.bridge.Send(d.rf.code(d.rf.tamper), 6)
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
		want := kind
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
