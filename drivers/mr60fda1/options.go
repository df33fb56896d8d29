package mr60fda1

import (
	"errors"
	"fmt"
	"time"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
)

// Options are the radar's driver options in config.
type Options struct {
	// Port is the serial device, e.g. /dev/ttyAMA0.
	Port string `yaml:"port"`
	// Baud is the line speed; the radar ships at 115200.
	Baud int `yaml:"baud"`
	// HeartbeatLimit is how long the radar may stay silent (no valid
	// frame) before it is reported as a fault.
	HeartbeatLimit time.Duration `yaml:"heartbeat_limit"`
}

// DefaultOptions returns the options a config may leave out.
func DefaultOptions() Options {
	return Options{Baud: 115200, HeartbeatLimit: time.Minute}
}

// Validate checks the options without touching the port.
func (o Options) Validate() error {
	if o.Port == "" {
		return &gateway.FieldError{Field: "port", Msg: "required: the serial device, e.g. /dev/ttyAMA0"}
	}
	if !standardBaud(o.Baud) {
		return &gateway.FieldError{Field: "baud", Msg: fmt.Sprintf("%d is not a standard rate (the radar uses 115200)", o.Baud)}
	}
	if o.HeartbeatLimit < 5*time.Second || o.HeartbeatLimit > time.Hour {
		return &gateway.FieldError{Field: "heartbeat_limit", Msg: fmt.Sprintf("%v is out of range: want 5s to 1h", o.HeartbeatLimit)}
	}
	return nil
}

func standardBaud(b int) bool {
	switch b {
	case 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600:
		return true
	}
	return false
}

func init() {
	gateway.Register(&gateway.Driver{Name: "mr60fda1", Kinds: []event.SensorKind{event.Fall}, Configure: configure})
}

func configure(spec gateway.SensorSpec) (gateway.Opener, error) {
	o := DefaultOptions()
	if spec.Options != nil {
		if err := spec.Options.Decode(&o); err != nil {
			return nil, err
		}
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return opener{id: spec.ID, opts: o}, nil
}

type opener struct {
	id   string
	opts Options
}

func (op opener) Open(env gateway.Env) (gateway.Sensor, error) {
	if env.HW == nil || env.Clock == nil {
		return nil, errors.New("mr60fda1: env needs HW and Clock")
	}
	return Open(env, op.id, op.opts)
}
