package climate

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
)

func init() {
	gateway.Register(&gateway.Driver{Name: "bme280", Kinds: []event.SensorKind{event.Climate}, Configure: Configure})
}

// Options are the driver's options in the config.
type Options struct {
	Bus            string        `yaml:"bus"`             // I²C bus name; default "1"
	Address        uint16        `yaml:"address"`         // 0x76 (SDO low, the default) or 0x77
	SampleInterval time.Duration `yaml:"sample_interval"` // default 30s
	FaultAfter     int           `yaml:"fault_after"`     // failed samples in a row that make a fault; default 3
}

type config struct {
	bus        string
	addr       uint16
	interval   time.Duration
	faultAfter int
}

func fieldErr(field, format string, a ...any) error {
	return &gateway.FieldError{Field: field, Msg: fmt.Sprintf(format, a...)}
}

func (o Options) validate() (config, error) {
	c := config{bus: o.Bus, addr: o.Address, interval: o.SampleInterval, faultAfter: o.FaultAfter}
	if c.bus == "" {
		c.bus = "1"
	}
	if c.addr == 0 {
		c.addr = 0x76
	}
	if c.addr != 0x76 && c.addr != 0x77 {
		return c, fieldErr("address", "%#x is not a BME280 address (want 0x76 or 0x77)", c.addr)
	}
	if c.interval == 0 {
		c.interval = 30 * time.Second
	}
	if c.interval < 100*time.Millisecond || c.interval > 10*time.Minute {
		return c, fieldErr("sample_interval", "%v is out of range (want 100ms to 10m)", c.interval)
	}
	if c.faultAfter == 0 {
		c.faultAfter = 3
	}
	if c.faultAfter < 1 {
		return c, fieldErr("fault_after", "%d is not a count of samples (want 1 or more)", c.faultAfter)
	}
	return c, nil
}

// Configure validates a climate sensor's options without I/O.
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

// Opener is a validated climate sensor.
type Opener struct {
	id  string
	cfg config
}

// I2CAddress reports where the chip sits, so config validation can reject
// two devices at one address on one bus.
func (op *Opener) I2CAddress() (bus string, addr uint16) { return op.cfg.bus, op.cfg.addr }

// Open gets the shared bus. The chip is first spoken to in Run, so a missing
// chip is a fault event, not a start-up failure.
func (op *Opener) Open(env gateway.Env) (gateway.Sensor, error) {
	bus, err := env.HW.I2C(op.cfg.bus)
	if err != nil {
		return nil, fmt.Errorf("open climate sensor %q: i2c bus %q: %w", op.id, op.cfg.bus, err)
	}
	log := env.Log
	if log == nil {
		log = slog.Default()
	}
	return &Sensor{
		cfg:   op.cfg,
		bus:   bus,
		clock: env.Clock,
		log:   log.With("sensor", op.id, "driver", "bme280"),
		where: fmt.Sprintf("bme280 %s@%#x", bus, op.cfg.addr),
	}, nil
}
