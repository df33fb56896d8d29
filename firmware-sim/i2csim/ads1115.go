package i2csim

import (
	"encoding/binary"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
)

// ADS1115 register pointers (datasheet §8.6).
const (
	adsConversion = 0x00
	adsConfig     = 0x01
	adsLoThresh   = 0x02
	adsHiThresh   = 0x03
)

// Config register fields (datasheet §8.6.3).
const (
	adsOS         = 0x8000 // write 1: start a single conversion; read 1: idle
	adsMuxShift   = 12
	adsPGAShift   = 9
	adsModeSingle = 0x0100
	adsConfigInit = 0x8583 // power-on value
)

// adsFullScale is the full-scale range per PGA setting, in volts.
var adsFullScale = [8]float64{6.144, 4.096, 2.048, 1.024, 0.512, 0.256, 0.256, 0.256}

// ADS1115 is a simulated 16-bit ADC: four inputs AIN0–AIN3 whose voltages
// follow Signals. It answers the pointer, config and conversion registers as
// the datasheet says; conversions complete at once (periph's driver waits
// the data rate's period in real time, about 1.2 ms at 860 SPS).
type ADS1115 struct {
	faults
	clock clockwork.Clock

	mu      sync.Mutex
	inputs  [4]Signal
	pointer byte
	regs    [4]uint16
}

// NewADS1115 returns an ADC in its power-on state with every input at 0 V.
// Attach it to a Bus at 0x48–0x4B.
func NewADS1115(clock clockwork.Clock) *ADS1115 {
	a := &ADS1115{clock: clock}
	a.regs[adsConfig] = adsConfigInit
	a.regs[adsLoThresh] = 0x8000
	a.regs[adsHiThresh] = 0x7FFF
	for i := range a.inputs {
		a.inputs[i] = Const(0)
	}
	return a
}

// Set makes input ch (0–3) follow s.
func (a *ADS1115) Set(ch int, s Signal) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.inputs[ch&3] = s
}

// SetVolts holds input ch (0–3) at v volts.
func (a *ADS1115) SetVolts(ch int, v float64) { a.Set(ch, Const(v)) }

// Ramp moves input ch linearly from from to to volts over the given time,
// starting now by the chip's clock.
func (a *ADS1115) Ramp(ch int, from, to float64, over time.Duration) {
	a.Set(ch, Ramp(a.clock.Now(), from, to, over))
}

// Volts reports the voltage on input ch now.
func (a *ADS1115) Volts(ch int) float64 {
	a.mu.Lock()
	s := a.inputs[ch&3]
	a.mu.Unlock()
	return s(a.clock.Now())
}

// Tx implements Chip. A write of one byte sets the register pointer; three
// bytes set the pointer and write a register; reads return the pointed
// register, big-endian.
func (a *ADS1115) Tx(w, r []byte) error {
	if a.nack() {
		return ErrNACK
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	switch len(w) {
	case 0:
	case 1, 3:
		if w[0] > adsHiThresh {
			return fmt.Errorf("ads1115: register pointer %#x: %w", w[0], ErrNACK)
		}
		a.pointer = w[0]
		if len(w) == 3 {
			a.write(w[0], binary.BigEndian.Uint16(w[1:]))
		}
	default:
		return fmt.Errorf("ads1115: write of %d bytes: %w", len(w), ErrNACK)
	}
	if len(r) > 0 {
		if a.pointer == adsConversion && a.regs[adsConfig]&adsModeSingle == 0 {
			a.convert() // continuous mode: always a fresh result
		}
		var b [2]byte
		binary.BigEndian.PutUint16(b[:], a.regs[a.pointer])
		for i := range r {
			r[i] = b[i%2]
		}
	}
	return nil
}

func (a *ADS1115) write(reg byte, v uint16) {
	switch reg {
	case adsConversion: // read-only
	case adsConfig:
		start := v&adsOS != 0
		a.regs[adsConfig] = v | adsOS // OS reads 1: no conversion running
		if start || v&adsModeSingle == 0 {
			a.convert()
		}
	default:
		a.regs[reg] = v
	}
}

// convert samples the selected input into the conversion register.
func (a *ADS1115) convert() {
	cfg := a.regs[adsConfig]
	fs := adsFullScale[(cfg>>adsPGAShift)&7]
	switch a.Fault() {
	case StuckLow:
		a.regs[adsConversion] = 0
		return
	case StuckHigh:
		a.regs[adsConversion] = 0x7FFF
		return
	}
	now := a.clock.Now()
	in := func(i int) float64 { return a.inputs[i](now) }
	var v float64
	switch mux := (cfg >> adsMuxShift) & 7; mux {
	case 0:
		v = in(0) - in(1)
	case 1:
		v = in(0) - in(3)
	case 2:
		v = in(1) - in(3)
	case 3:
		v = in(2) - in(3)
	default:
		v = in(int(mux - 4))
	}
	code := math.Round(v / fs * 32768)
	code = math.Max(-32768, math.Min(32767, code))
	a.regs[adsConversion] = uint16(int16(code))
}
