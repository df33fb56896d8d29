package mqgas

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/safehub-iot/safehub/drivers/internal/health"
	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
	"periph.io/x/conn/v3/analog"
	"periph.io/x/conn/v3/physic"
)

// Sensor is an opened MQ gas sensor.
type Sensor struct {
	cfg   config
	pin   analog.PinADC
	clock gateway.Clock
	log   *slog.Logger
	where string

	// Owned by Run.
	warmUntil time.Time
	health    health.Gate
}

// Run samples on the configured interval until ctx is done. It reports
// QHeartbeat during warm-up, then QGas in ppm; faults and recoveries are
// reported as Status on transitions only.
func (s *Sensor) Run(ctx context.Context, out gateway.Emitter) error {
	s.health = health.Gate{N: s.cfg.faultAfter}
	s.warmUntil = s.clock.Now().Add(s.cfg.warmup)
	s.log.Info("gas sensor warming up", "until", s.warmUntil, "at", s.where)
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
	volts, err := s.read()
	if err != nil {
		s.failed(out, now, err)
		return
	}
	if s.health.OK() {
		s.log.Info("gas sensor working again", "volts", volts)
		out.Status(gateway.Status{Health: event.HealthOK, Reason: "readings back in range", Time: now})
	}
	if now.Before(s.warmUntil) {
		out.Reading(gateway.Reading{Quantity: gateway.QHeartbeat, Time: now})
		return
	}
	ppm := s.cfg.cal.PPM(volts)
	out.Reading(gateway.Reading{Quantity: gateway.QGas, Value: ppm, Unit: "ppm", Time: now})
}

// railError is an input stuck at 0 V or at the supply.
type railError struct{ volts float64 }

func (e *railError) Error() string {
	return fmt.Sprintf("input stuck at %.3f V (sensor unplugged, unpowered or shorted)", e.volts)
}

// read converts once and checks the result is a sensor's voltage.
func (s *Sensor) read() (float64, error) {
	smp, err := s.pin.Read()
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", s.where, err)
	}
	v := float64(smp.V) / float64(physic.Volt)
	if v <= s.cfg.rail || v >= s.cfg.cal.SupplyVolts-s.cfg.rail || smp.Raw >= 32767 {
		return v, &railError{volts: v}
	}
	return v, nil
}

func (s *Sensor) failed(out gateway.Emitter, now time.Time, err error) {
	if _, stuck := err.(*railError); stuck {
		// The sensor was unplugged or unpowered: its heater starts cold
		// again, so the warm-up runs from its last stuck sample.
		s.warmUntil = now.Add(s.cfg.warmup)
	}
	if !s.health.Fail() {
		s.log.Debug("gas sample failed", "err", err)
		return
	}
	s.log.Warn("gas sensor fault", "err", err)
	out.Status(gateway.Status{Health: event.HealthFault, Reason: err.Error(), Time: now})
}
