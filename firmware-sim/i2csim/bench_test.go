package i2csim

import (
	"testing"

	"github.com/jonboulle/clockwork"
)

// BenchmarkBME280Measure is the cost of one forced measurement in the
// simulator: inverting the compensation by bisection for all three values.
func BenchmarkBME280Measure(b *testing.B) {
	chip := NewBME280(clockwork.NewFakeClock())
	chip.SetClimate(22.5, 48, 1011)
	for b.Loop() {
		if err := chip.Tx([]byte{bmeCtrlMeas, 0x25}, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkADS1115Conversion is one single-shot start and conversion read.
func BenchmarkADS1115Conversion(b *testing.B) {
	adc := NewADS1115(clockwork.NewFakeClock())
	adc.SetVolts(0, 1.5)
	r := make([]byte, 2)
	for b.Loop() {
		if err := adc.Tx([]byte{adsConfig, 0xC1, 0xE3}, nil); err != nil {
			b.Fatal(err)
		}
		if err := adc.Tx([]byte{adsConversion}, r); err != nil {
			b.Fatal(err)
		}
	}
}
