package i2csim

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/devices/v3/bmxx80"
)

var weatherOpts = bmxx80.Opts{Temperature: bmxx80.O1x, Pressure: bmxx80.O1x, Humidity: bmxx80.O1x}

func senseBME(tb testing.TB, dev *bmxx80.Dev) Climate {
	tb.Helper()
	var e physic.Env
	require.NoError(tb, dev.Sense(&e))
	return Climate{
		TempC:       float64(e.Temperature-physic.ZeroCelsius) / float64(physic.Celsius),
		HumidityRH:  float64(e.Humidity) / float64(physic.PercentRH),
		PressureHPa: float64(e.Pressure) / float64(100*physic.Pascal),
	}
}

func TestBME280ThroughPeriph(t *testing.T) {
	tests := []struct {
		name string
		want Climate
	}{
		{name: "comfortable room", want: Climate{21.5, 45, 1013.25}},
		{name: "heat wave", want: Climate{38.2, 25.5, 1002.1}},
		{name: "cold flat", want: Climate{4.3, 80, 1030}},
		{name: "frost", want: Climate{-5.75, 95.5, 980.4}},
		{name: "dry high altitude", want: Climate{18, 5, 850}},
	}
	clk := clockwork.NewFakeClock()
	chip := NewBME280(clk)
	bus := NewBus("1")
	require.NoError(t, bus.Attach(0x76, chip))
	dev, err := bmxx80.NewI2C(bus, 0x76, &weatherOpts)
	require.NoError(t, err)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chip.SetClimate(tt.want.TempC, tt.want.HumidityRH, tt.want.PressureHPa)
			got := senseBME(t, dev)
			checkClimate(t, got, tt.want)
		})
	}
}

func checkClimate(tb testing.TB, got, want Climate) {
	tb.Helper()
	// The driver's resolutions: 0.01 °C, 1/1024 %RH, 1/256 Pa.
	if math.Abs(got.TempC-want.TempC) > 0.006 {
		tb.Errorf("temperature: got %.3f °C, want %.3f °C", got.TempC, want.TempC)
	}
	if math.Abs(got.HumidityRH-want.HumidityRH) > 0.05 {
		tb.Errorf("humidity: got %.3f %%RH, want %.3f %%RH", got.HumidityRH, want.HumidityRH)
	}
	if math.Abs(got.PressureHPa-want.PressureHPa) > 0.02 {
		tb.Errorf("pressure: got %.3f hPa, want %.3f hPa", got.PressureHPa, want.PressureHPa)
	}
}

func TestBME280RampAndReinit(t *testing.T) {
	clk := clockwork.NewFakeClock()
	chip := NewBME280(clk)
	bus := NewBus("1")
	require.NoError(t, bus.Attach(0x77, chip))
	chip.RampTemp(20, 35, 10*time.Minute, 40, 1010)
	dev, err := bmxx80.NewI2C(bus, 0x77, &weatherOpts)
	require.NoError(t, err)
	clk.Advance(5 * time.Minute)
	checkClimate(t, senseBME(t, dev), Climate{27.5, 40, 1010})

	chip.Fail(WirePulled)
	var e physic.Env
	if err := dev.Sense(&e); err == nil {
		t.Fatal("sense with wire pulled: got no error")
	}
	// bmxx80 wraps with %v, so only the message is left of ErrNACK.
	if _, err := bmxx80.NewI2C(bus, 0x77, &weatherOpts); err == nil || !strings.Contains(err.Error(), ErrNACK.Error()) {
		t.Fatalf("init with wire pulled: got %v, want a NACK error", err)
	}
	chip.Repair()
	clk.Advance(5 * time.Minute)
	dev, err = bmxx80.NewI2C(bus, 0x77, &weatherOpts)
	require.NoError(t, err)
	checkClimate(t, senseBME(t, dev), Climate{35, 40, 1010})
}

func TestBME280Registers(t *testing.T) {
	chip := NewBME280(clockwork.NewFakeClock())
	tests := []struct {
		name string
		w    []byte
		reg  byte
		want []byte
	}{
		{name: "chip id", reg: 0xD0, want: []byte{0x60}},
		{name: "data after reset is skipped", reg: 0xF7, want: []byte{0x80, 0, 0, 0x80, 0, 0, 0x80, 0}},
		{name: "chip id is read-only", w: []byte{0xD0, 0x12}, reg: 0xD0, want: []byte{0x60}},
		{name: "ctrl_hum keeps three bits", w: []byte{0xF2, 0xFF}, reg: 0xF2, want: []byte{0x07}},
		{name: "forced mode returns to sleep", w: []byte{0xF4, 0x25}, reg: 0xF4, want: []byte{0x24}},
		{name: "status idle", reg: 0xF3, want: []byte{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.w != nil {
				require.NoError(t, chip.Tx(tt.w, nil))
			}
			got := make([]byte, len(tt.want))
			require.NoError(t, chip.Tx([]byte{tt.reg}, got))
			require.Equal(t, tt.want, got)
		})
	}
}
