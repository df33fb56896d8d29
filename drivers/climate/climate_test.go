package climate

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/firmware-sim/i2csim"
	"github.com/safehub-iot/safehub/gateway"
	"github.com/stretchr/testify/require"
	"periph.io/x/conn/v3/i2c/i2ctest"
)

func TestConfigure(t *testing.T) {
	tests := []struct {
		name      string
		opts      yamlOptions
		want      config
		wantField string
	}{
		{name: "defaults", opts: yamlOptions("{}"), want: config{bus: "1", addr: 0x76, interval: 30 * time.Second, faultAfter: 3}},
		{name: "fixture", opts: fixture(t, "bme280.yaml"), want: config{bus: "1", addr: 0x76, interval: time.Second, faultAfter: 3}},
		{name: "sdo high", opts: yamlOptions("address: 0x77\nbus: \"0\""), want: config{bus: "0", addr: 0x77, interval: 30 * time.Second, faultAfter: 3}},
		{name: "bmp180 address", opts: yamlOptions("address: 0x78"), wantField: "address"},
		{name: "too fast", opts: yamlOptions("sample_interval: 10ms"), wantField: "sample_interval"},
		{name: "negative fault_after", opts: yamlOptions("fault_after: -1"), wantField: "fault_after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op, err := Configure(gateway.SensorSpec{ID: "climate1", Options: tt.opts})
			if tt.wantField != "" {
				var fe *gateway.FieldError
				if !errors.As(err, &fe) || fe.Field != tt.wantField {
					t.Fatalf("got error %v, want a FieldError for %q", err, tt.wantField)
				}
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, op.(*Opener).cfg)
			bus, addr := op.(*Opener).I2CAddress()
			if bus != tt.want.bus || addr != tt.want.addr {
				t.Errorf("I2CAddress: got %s/%#x, want %s/%#x", bus, addr, tt.want.bus, tt.want.addr)
			}
		})
	}
	if _, err := Configure(gateway.SensorSpec{Options: yamlOptions("adress: 0x76")}); err == nil || !strings.Contains(err.Error(), "adress") {
		t.Errorf("misspelt option: got %v, want an error naming it", err)
	}
}

// TestPlaybackRegisterTraffic replays a real BME280 (periph's recording): chip
// id, trimming, controls for 1x oversampling in forced mode, one forced
// measurement; 23.72 °C, 65.31 %RH, 1009.43 hPa.
func TestPlaybackRegisterTraffic(t *testing.T) {
	bus := &i2ctest.Playback{DontPanic: true, Ops: []i2ctest.IO{
		{Addr: 0x76, W: []byte{0xd0}, R: []byte{0x60}},
		{Addr: 0x76, W: []byte{0x88}, R: []byte{0x10, 0x6e, 0x6c, 0x66, 0x32, 0x0, 0x5d, 0x95, 0xb8, 0xd5, 0xd0, 0xb, 0x77, 0x1e, 0x9d, 0xff, 0xf9, 0xff, 0xac, 0x26, 0xa, 0xd8, 0xbd, 0x10, 0x0, 0x4b}},
		{Addr: 0x76, W: []byte{0xe1}, R: []byte{0x6e, 0x1, 0x0, 0x13, 0x5, 0x0, 0x1e}},
		// ctrl_meas sleep, ctrl_hum x1, config standby 1 s, ctrl_meas again.
		{Addr: 0x76, W: []byte{0xf4, 0x24, 0xf2, 0x01, 0xf5, 0xa0, 0xf4, 0x24}},
		{Addr: 0x76, W: []byte{0xf4, 0x25}}, // forced measurement
		{Addr: 0x76, W: []byte{0xf3}, R: []byte{0}},
		{Addr: 0x76, W: []byte{0xf7}, R: []byte{0x4a, 0x52, 0xc0, 0x80, 0x96, 0xc0, 0x7a, 0x76}},
	}}
	rec := run(t, gateway.LookupDriver("bme280"), fixture(t, "bme280.yaml"), bus, clockwork.NewFakeClock())
	require.Eventually(t, func() bool { return rec.Count() == 3 }, 2*time.Second, time.Millisecond)
	require.NoError(t, bus.Close())
	readings, _ := rec.Snapshot()
	want := []gateway.Reading{
		{Quantity: gateway.QTemperature, Value: 23.72, Unit: "°C"},
		{Quantity: gateway.QHumidity, Value: 65.3056, Unit: "%RH"},
		{Quantity: gateway.QPressure, Value: 1009.426953125, Unit: "hPa"},
	}
	for i, w := range want {
		got := readings[i]
		if got.Quantity != w.Quantity || got.Unit != w.Unit || math.Abs(got.Value-w.Value) > 1e-6 {
			t.Errorf("reading %d: got %s %.6f %s, want %s %.6f %s", i, got.Quantity, got.Value, got.Unit, w.Quantity, w.Value, w.Unit)
		}
	}
}

func TestHeatRampOnSimulatedChip(t *testing.T) {
	clk := clockwork.NewFakeClock()
	bus := i2csim.NewBus("1")
	chip := i2csim.NewBME280(clk)
	require.NoError(t, bus.Attach(0x76, chip))
	chip.RampTemp(24, 36, 12*time.Second, 30, 1005)
	rec := run(t, gateway.LookupDriver("bme280"), fixture(t, "bme280.yaml"), bus, clk)
	for range 12 {
		step(t, clk, rec, time.Second)
	}
	readings, statuses := rec.Snapshot()
	require.Empty(t, statuses)
	require.Len(t, readings, 13*3)
	for i := 0; i < len(readings); i += 3 {
		secs := float64(i / 3)
		want := map[string]float64{gateway.QTemperature: 24 + secs, gateway.QHumidity: 30, gateway.QPressure: 1005}
		for _, r := range readings[i : i+3] {
			if math.Abs(r.Value-want[r.Quantity]) > 0.05 {
				t.Errorf("at +%vs: %s got %.3f, want %.3f", secs, r.Quantity, r.Value, want[r.Quantity])
			}
		}
	}
}

func TestPulledWireOnSimulatedChip(t *testing.T) {
	clk := clockwork.NewFakeClock()
	bus := i2csim.NewBus("1")
	chip := i2csim.NewBME280(clk)
	require.NoError(t, bus.Attach(0x76, chip))
	rec := run(t, gateway.LookupDriver("bme280"), fixture(t, "bme280.yaml"), bus, clk)
	chip.Fail(i2csim.WirePulled)
	for range 8 {
		n := chip.NACKs()
		clk.Advance(time.Second)
		require.Eventually(t, func() bool { return chip.NACKs() > n }, 2*time.Second, time.Millisecond)
	}
	chip.Repair()
	chip.SetClimate(30, 50, 1000)
	for range 3 { // fault_after good samples end the fault
		step(t, clk, rec, time.Second)
	}

	readings, statuses := rec.Snapshot()
	require.Len(t, statuses, 2, "want one fault and one recovery")
	if statuses[0].Health != event.HealthFault || !strings.Contains(statuses[0].Reason, "no acknowledge") {
		t.Errorf("got %s %q, want a fault naming the NACK", statuses[0].Health, statuses[0].Reason)
	}
	if statuses[1].Health != event.HealthOK {
		t.Errorf("got %s, want ok", statuses[1].Health)
	}
	if last := readings[len(readings)-3]; last.Quantity != gateway.QTemperature || math.Abs(last.Value-30) > 0.01 {
		t.Errorf("after recovery: got %s %.2f, want temperature 30", last.Quantity, last.Value)
	}
}
