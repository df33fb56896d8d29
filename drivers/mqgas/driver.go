package mqgas

import (
	"fmt"
	"log/slog"

	"periph.io/x/conn/v3/physic"
	"periph.io/x/devices/v3/ads1x15"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
)

func init() {
	gateway.Register(&gateway.Driver{Name: "ads1115-mq", Kinds: []event.SensorKind{event.Gas}, Configure: Configure})
}

// Configure validates a gas sensor's options without I/O.
func Configure(spec gateway.SensorSpec) (gateway.Opener, error) {
	var o Options
	if spec.Options != nil {
		if err := spec.Options.Decode(&o); err != nil {
			return nil, err
		}
	}
	c, err := o.validate()
	if err != nil {
		return nil, err
	}
	return &Opener{id: spec.ID, cfg: c}, nil
}

// Opener is a validated gas sensor.
type Opener struct {
	id  string
	cfg config
}

// I2CAddress reports where the ADC sits, so config validation can reject
// two devices at one address on one bus.
func (op *Opener) I2CAddress() (bus string, addr uint16) { return op.cfg.bus, op.cfg.addr }

// Calibration returns the validated calibration, e.g. for a simulator that
// scripts gas in ppm.
func (op *Opener) Calibration() Calibration { return op.cfg.cal }

// Open gets the shared bus and prepares the ADC channel. The chip is first
// spoken to in Run, so a missing chip is a fault event, not a start-up
// failure.
func (op *Opener) Open(env gateway.Env) (gateway.Sensor, error) {
	bus, err := env.HW.I2C(op.cfg.bus)
	if err != nil {
		return nil, fmt.Errorf("open gas sensor %q: i2c bus %q: %w", op.id, op.cfg.bus, err)
	}
	dev, err := ads1x15.NewADS1115(bus, &ads1x15.Opts{I2cAddress: op.cfg.addr})
	if err != nil {
		return nil, fmt.Errorf("open gas sensor %q: %w", op.id, err)
	}
	fs := physic.ElectricPotential(op.cfg.fullScale*1000) * physic.MilliVolt
	// SaveEnergy picks 860 SPS: the driver blocks ~1.2 ms per conversion.
	pin, err := dev.PinForChannel(ads1x15.Channel0+ads1x15.Channel(op.cfg.channel), fs, physic.Hertz, ads1x15.SaveEnergy)
	if err != nil {
		return nil, fmt.Errorf("open gas sensor %q: %w", op.id, err)
	}
	log := env.Log
	if log == nil {
		log = slog.Default()
	}
	return &Sensor{
		cfg:   op.cfg,
		pin:   pin,
		clock: env.Clock,
		log:   log.With("sensor", op.id, "driver", "ads1115-mq"),
		where: fmt.Sprintf("ads1115 %s@%#x ain%d", bus, op.cfg.addr, op.cfg.channel),
	}, nil
}
