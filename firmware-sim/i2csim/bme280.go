package i2csim

import (
	"fmt"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
)

// BME280 registers (datasheet §5.3).
const (
	bmeCalib00  = 0x88
	bmeChipID   = 0xD0
	bmeReset    = 0xE0
	bmeCalib26  = 0xE1
	bmeCtrlHum  = 0xF2
	bmeStatus   = 0xF3
	bmeCtrlMeas = 0xF4
	bmeData     = 0xF7
)

// Climate is what a BME280 measures.
type Climate struct {
	TempC       float64 // °C
	HumidityRH  float64 // %RH
	PressureHPa float64 // hPa
}

// BME280 is a simulated Bosch BME280 on I²C: chip id 0x60, trimming NVM from
// a real chip, control registers, and data registers whose raw values the
// datasheet's compensation turns back into the scenario's climate. A forced
// measurement completes at once, so the status register never reads busy.
type BME280 struct {
	faults
	clock clockwork.Clock
	cal   bmeCal

	mu      sync.Mutex
	climate func(time.Time) Climate
	regs    [256]byte
	osrsH   byte // ctrl_hum, latched by the next ctrl_meas write
}

// NewBME280 returns a chip in its power-on state reading 21 °C, 45 %RH and
// 1013.25 hPa. Attach it to a Bus at 0x76 or 0x77.
func NewBME280(clock clockwork.Clock) *BME280 {
	b := &BME280{clock: clock, cal: parseCal(bmeNVM.tph[:], bmeNVM.h[:])}
	b.SetClimate(21, 45, 1013.25)
	b.reset()
	return b
}

// SetClimate holds the room at t °C, h %RH and p hPa.
func (b *BME280) SetClimate(t, h, p float64) {
	c := Climate{TempC: t, HumidityRH: h, PressureHPa: p}
	b.SetClimateFunc(func(time.Time) Climate { return c })
}

// SetClimateFunc makes the room follow f.
func (b *BME280) SetClimateFunc(f func(time.Time) Climate) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.climate = f
}

// RampTemp moves the temperature linearly from from to to °C over the given
// time, starting now, holding humidity and pressure.
func (b *BME280) RampTemp(from, to float64, over time.Duration, h, p float64) {
	t := Ramp(b.clock.Now(), from, to, over)
	b.SetClimateFunc(func(now time.Time) Climate {
		return Climate{TempC: t(now), HumidityRH: h, PressureHPa: p}
	})
}

// reset puts the registers in their power-on state. Called with b.mu held.
func (b *BME280) reset() {
	b.regs = [256]byte{}
	copy(b.regs[bmeCalib00:], bmeNVM.tph[:])
	copy(b.regs[bmeCalib26:], bmeNVM.h[:7])
	b.regs[bmeChipID] = 0x60
	b.regs[bmeData+0], b.regs[bmeData+3], b.regs[bmeData+6] = 0x80, 0x80, 0x80
	b.osrsH = 0
}

// Tx implements Chip. A write is a register address then data; in I²C mode
// each data byte comes with its own address (datasheet §6.2.1). A read
// bursts from the last address written, incrementing.
func (b *BME280) Tx(w, r []byte) error {
	if b.nack() {
		return ErrNACK
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(w) == 0 {
		return fmt.Errorf("bme280: read without register address: %w", ErrNACK)
	}
	if len(w) > 1 && len(w)%2 != 0 {
		return fmt.Errorf("bme280: write of %d bytes is not address/data pairs: %w", len(w), ErrNACK)
	}
	for i := 0; i+1 < len(w); i += 2 {
		b.write(w[i], w[i+1])
	}
	if len(r) > 0 {
		reg := int(w[len(w)-1])
		if len(w) > 1 {
			reg = int(w[len(w)-2])
		}
		if reg == bmeData && b.regs[bmeCtrlMeas]&3 == 3 {
			b.measure() // normal mode: a fresh sample each read
		}
		for i := range r {
			r[i] = b.regs[(reg+i)&0xFF]
		}
	}
	return nil
}

func (b *BME280) write(reg, v byte) {
	switch {
	case reg == bmeReset:
		if v == 0xB6 {
			b.reset()
		}
	case reg == bmeCtrlHum:
		b.regs[reg] = v & 7
	case reg == bmeCtrlMeas:
		b.osrsH = b.regs[bmeCtrlHum]
		if v&3 == 1 || v&3 == 2 { // forced: measure, then back to sleep
			b.regs[reg] = v &^ 3
			b.measure()
			return
		}
		b.regs[reg] = v
	case reg >= 0xF4 && reg <= 0xF5:
		b.regs[reg] = v
		// Everything else (chip id, NVM, data, status) is read-only.
	}
}

// measure fills the data registers from the climate now, honouring skipped
// measurements (oversampling off reads 0x80000 / 0x8000).
func (b *BME280) measure() {
	t, p, h := b.cal.raw(b.climate(b.clock.Now()))
	meas := b.regs[bmeCtrlMeas]
	if meas>>5 == 0 {
		t = 0x80000
	}
	if (meas>>2)&7 == 0 {
		p = 0x80000
	}
	if b.osrsH == 0 {
		h = 0x8000
	}
	d := b.regs[bmeData:]
	d[0], d[1], d[2] = byte(p>>12), byte(p>>4), byte(p<<4)
	d[3], d[4], d[5] = byte(t>>12), byte(t>>4), byte(t<<4)
	d[6], d[7] = byte(h>>8), byte(h)
}
