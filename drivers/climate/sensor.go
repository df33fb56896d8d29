package climate

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/safehub-iot/safehub/drivers/internal/health"
	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/devices/v3/bmxx80"
)

// forced1x is the datasheet's weather-monitoring setting (§3.5.1).
var forced1x = bmxx80.Opts{Temperature: bmxx80.O1x, Pressure: bmxx80.O1x, Humidity: bmxx80.O1x}

// Sensor is an opened BME280.
type Sensor struct {
	cfg   config
	bus   i2c.Bus
	clock gateway.Clock
	log   *slog.Logger
	where string

	// Owned by Run.
	dev    *bmxx80.Dev // nil until initialised, and again after a failure
	health health.Gate
}

// Run samples on the configured interval until ctx is done, reporting
// QTemperature (°C), QHumidity (%RH) and QPressure (hPa); faults and
// recoveries are reported as Status on transitions only.
func (s *Sensor) Run(ctx context.Context, out gateway.Emitter) error {
	s.health = health.Gate{N: s.cfg.faultAfter}
	t := s.clock.NewTicker(s.cfg.interval)
	defer t.Stop()
	for {
		s.sample(out)
		select {
		case <-ctx.Done():
			return nil
		case <-t.Chan():
		}
	}
}

func (s *Sensor) sample(out gateway.Emitter) {
	now := s.clock.Now()
	e, err := s.sense()
	if err != nil {
		s.dev = nil // initialise again: the chip may have been power-cycled
		if !s.health.Fail() {
			s.log.Debug("climate sample failed", "err", err)
			return
		}
		s.log.Warn("climate sensor fault", "err", err)
		out.Status(gateway.Status{Health: event.HealthFault, Reason: err.Error(), Time: now})
		return
	}
	if s.health.OK() {
		s.log.Info("climate sensor working again")
		out.Status(gateway.Status{Health: event.HealthOK, Reason: "chip answers again", Time: now})
	}
	out.Reading(gateway.Reading{Quantity: gateway.QTemperature, Value: float64(e.Temperature-physic.ZeroCelsius) / float64(physic.Celsius), Unit: "°C", Time: now})
	out.Reading(gateway.Reading{Quantity: gateway.QHumidity, Value: float64(e.Humidity) / float64(physic.PercentRH), Unit: "%RH", Time: now})
	out.Reading(gateway.Reading{Quantity: gateway.QPressure, Value: float64(e.Pressure) / float64(100*physic.Pascal), Unit: "hPa", Time: now})
}

// sense initialises the chip if needed and takes one measurement. bmxx80
// wraps bus errors with %v, so they are reported by message only.
func (s *Sensor) sense() (physic.Env, error) {
	var e physic.Env
	if s.dev == nil {
		d, err := bmxx80.NewI2C(s.bus, s.cfg.addr, &forced1x)
		if err != nil {
			return e, fmt.Errorf("init %s: %w", s.where, err)
		}
		s.dev = d
	}
	if err := s.dev.Sense(&e); err != nil {
		return e, fmt.Errorf("read %s: %w", s.where, err)
	}
	// The chip's operating range (datasheet §1): outside it the reading is
	// not a room's climate but a broken or skipped measurement.
	if t := float64(e.Temperature-physic.ZeroCelsius) / float64(physic.Celsius); t < -40 || t > 85 {
		return e, fmt.Errorf("read %s: temperature %.2f °C outside the chip's -40..85 °C", s.where, t)
	}
	return e, nil
}
