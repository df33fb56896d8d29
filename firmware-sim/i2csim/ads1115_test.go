package i2csim

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/devices/v3/ads1x15"
)

// readADS reads channel ch through periph's real ads1x15 driver.
func readADS(tb testing.TB, bus *Bus, ch ads1x15.Channel, fs physic.ElectricPotential) (float64, error) {
	tb.Helper()
	dev, err := ads1x15.NewADS1115(bus, &ads1x15.Opts{I2cAddress: 0x48})
	require.NoError(tb, err)
	pin, err := dev.PinForChannel(ch, fs, 860*physic.Hertz, ads1x15.SaveEnergy)
	require.NoError(tb, err)
	s, err := pin.Read()
	return float64(s.V) / float64(physic.Volt), err
}

func TestADS1115ThroughPeriph(t *testing.T) {
	tests := []struct {
		name  string
		ch    ads1x15.Channel
		fs    physic.ElectricPotential
		volts [4]float64
		want  float64
	}{
		{name: "ain0 at 4.096 V range", ch: ads1x15.Channel0, fs: 4096 * physic.MilliVolt, volts: [4]float64{1.234}, want: 1.234},
		{name: "ain3 at 6.144 V range", ch: ads1x15.Channel3, fs: 6144 * physic.MilliVolt, volts: [4]float64{0, 0, 0, 4.5}, want: 4.5},
		{name: "ain1 small signal at 0.256 V range", ch: ads1x15.Channel1, fs: 256 * physic.MilliVolt, volts: [4]float64{3, 0.1}, want: 0.1},
		{name: "above range clips to full scale", ch: ads1x15.Channel2, fs: 2048 * physic.MilliVolt, volts: [4]float64{0, 0, 3.3}, want: 2.048 * 32767 / 32768},
		{name: "differential 0-1 negative", ch: ads1x15.Channel0Minus1, fs: 2048 * physic.MilliVolt, volts: [4]float64{0.5, 1.5}, want: -1.0},
		{name: "differential 2-3", ch: ads1x15.Channel2Minus3, fs: 1024 * physic.MilliVolt, volts: [4]float64{0, 0, 0.9, 0.2}, want: 0.7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			adc := NewADS1115(clockwork.NewFakeClock())
			for ch, v := range tt.volts {
				adc.SetVolts(ch, v)
			}
			bus := NewBus("1")
			require.NoError(t, bus.Attach(0x48, adc))
			got, err := readADS(t, bus, tt.ch, tt.fs)
			require.NoError(t, err)
			lsb := float64(tt.fs) / float64(physic.Volt) / 32768
			if math.Abs(got-tt.want) > lsb {
				t.Errorf("got %.5f V, want %.5f V (±%.5f)", got, tt.want, lsb)
			}
		})
	}
}

func TestADS1115RampFollowsClock(t *testing.T) {
	clk := clockwork.NewFakeClock()
	adc := NewADS1115(clk)
	bus := NewBus("1")
	require.NoError(t, bus.Attach(0x48, adc))
	adc.Ramp(0, 0.5, 2.5, 20*time.Second)
	for _, step := range []struct {
		after time.Duration
		want  float64
	}{{0, 0.5}, {10 * time.Second, 1.5}, {10 * time.Second, 2.5}, {time.Minute, 2.5}} {
		clk.Advance(step.after)
		got, err := readADS(t, bus, ads1x15.Channel0, 4096*physic.MilliVolt)
		require.NoError(t, err)
		if math.Abs(got-step.want) > 0.001 {
			t.Errorf("at +%v: got %.4f V, want %.4f V", step.after, got, step.want)
		}
	}
}

func TestADS1115Faults(t *testing.T) {
	tests := []struct {
		name    string
		fault   Fault
		want    float64
		wantErr bool
	}{
		{name: "healthy", fault: NoFault, want: 1.0},
		{name: "stuck low reads zero", fault: StuckLow, want: 0},
		{name: "stuck high reads full scale", fault: StuckHigh, want: 4.096 * 32767 / 32768},
		{name: "wire pulled errors", fault: WirePulled, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			adc := NewADS1115(clockwork.NewFakeClock())
			adc.SetVolts(0, 1.0)
			bus := NewBus("1")
			require.NoError(t, bus.Attach(0x48, adc))
			adc.Fail(tt.fault)
			got, err := readADS(t, bus, ads1x15.Channel0, 4096*physic.MilliVolt)
			if tt.wantErr {
				if !errors.Is(err, ErrNACK) {
					t.Fatalf("got error %v, want ErrNACK", err)
				}
				adc.Repair()
				got, err = readADS(t, bus, ads1x15.Channel0, 4096*physic.MilliVolt)
				require.NoError(t, err, "after Repair")
				tt.want = 1.0
			}
			require.NoError(t, err)
			if math.Abs(got-tt.want) > 0.001 {
				t.Errorf("got %.4f V, want %.4f V", got, tt.want)
			}
		})
	}
}

func TestNACKStormLosesSomeTransactions(t *testing.T) {
	adc := NewADS1115(clockwork.NewFakeClock())
	bus := NewBus("1")
	require.NoError(t, bus.Attach(0x48, adc))
	adc.Fail(NACKStorm)
	failed := 0
	const n = 200
	for range n {
		if err := bus.Tx(0x48, []byte{adsConfig}, make([]byte, 2)); err != nil {
			failed++
		}
	}
	if got := adc.Transactions(); got != n {
		t.Errorf("Transactions: got %d, want %d", got, n)
	}
	if got := adc.NACKs(); got != failed {
		t.Errorf("NACKs: got %d, want %d", got, failed)
	}
	if failed < n/4 || failed > 3*n/4 {
		t.Errorf("got %d of %d transactions failed, want about half", failed, n)
	}
}

func TestADS1115RegisterDefaults(t *testing.T) {
	adc := NewADS1115(clockwork.NewFakeClock())
	tests := []struct {
		name string
		reg  byte
		want uint16
	}{
		{name: "config", reg: adsConfig, want: 0x8583},
		{name: "lo_thresh", reg: adsLoThresh, want: 0x8000},
		{name: "hi_thresh", reg: adsHiThresh, want: 0x7FFF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := make([]byte, 2)
			require.NoError(t, adc.Tx([]byte{tt.reg}, r))
			if got := uint16(r[0])<<8 | uint16(r[1]); got != tt.want {
				t.Errorf("got %#04x, want %#04x", got, tt.want)
			}
		})
	}
}

func TestBusRouting(t *testing.T) {
	bus := NewBus("1")
	adc := NewADS1115(clockwork.NewFakeClock())
	require.NoError(t, bus.Attach(0x48, adc))
	if err := bus.Attach(0x48, NewBME280(clockwork.NewFakeClock())); err == nil {
		t.Error("attach twice at 0x48: got no error")
	}
	if err := bus.Tx(0x49, []byte{0}, make([]byte, 2)); !errors.Is(err, ErrNACK) {
		t.Errorf("tx to empty address: got %v, want ErrNACK", err)
	}
	adc.Fail(WirePulled)
	if err := bus.Tx(0x48, []byte{0}, make([]byte, 2)); !errors.Is(err, ErrNACK) {
		t.Errorf("tx with wire pulled: got %v, want ErrNACK", err)
	}
}

func TestParseFault(t *testing.T) {
	for f := NoFault; f <= StuckHigh; f++ {
		got, err := ParseFault(f.String())
		require.NoError(t, err)
		if got != f {
			t.Errorf("ParseFault(%q): got %v, want %v", f.String(), got, f)
		}
	}
	if _, err := ParseFault("melted"); err == nil {
		t.Error("ParseFault(melted): got no error")
	}
}
