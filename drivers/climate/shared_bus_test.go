package climate

import (
	"math"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	_ "github.com/safehub-iot/safehub/drivers/mqgas" // registers ads1115-mq
	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/firmware-sim/i2csim"
	"github.com/safehub-iot/safehub/gateway"
	"github.com/stretchr/testify/require"
)

// TestNACKStormOnGasChipSparesClimate runs both I²C drivers on one simulated
// bus: the gas ADC drowning in NACKs must not cost the BME280 a reading.
func TestNACKStormOnGasChipSparesClimate(t *testing.T) {
	clk := clockwork.NewFakeClock()
	bus := i2csim.NewBus("1")
	adc := i2csim.NewADS1115(clk)
	bme := i2csim.NewBME280(clk)
	require.NoError(t, bus.Attach(0x48, adc))
	require.NoError(t, bus.Attach(0x76, bme))
	adc.SetVolts(0, 1.2)
	bme.SetClimate(19.5, 55, 1012)

	gas := run(t, gateway.LookupDriver("ads1115-mq"), fixture(t, "mq2.yaml"), bus, clk)
	room := run(t, gateway.LookupDriver("bme280"), fixture(t, "bme280.yaml"), bus, clk)
	adc.Fail(i2csim.NACKStorm)
	for range 20 {
		step(t, clk, room, time.Second)
	}

	readings, statuses := room.Snapshot()
	require.Empty(t, statuses, "climate sensor must stay healthy")
	require.Len(t, readings, 21*3)
	for _, r := range readings {
		if r.Quantity == gateway.QTemperature && math.Abs(r.Value-19.5) > 0.01 {
			t.Errorf("got %.2f °C, want 19.5", r.Value)
		}
	}
	if adc.NACKs() == 0 {
		t.Fatal("the storm never hit the gas chip")
	}
	_, gasStatuses := gas.Snapshot()
	if len(gasStatuses) != 1 || gasStatuses[0].Health != event.HealthFault {
		t.Errorf("gas sensor: got %+v, want exactly one fault during one storm", gasStatuses)
	}
}
