package rfbridge

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
)

// Sensor is one paired wireless device on a bridge. Run it once.
type Sensor struct {
	id    string
	opts  Options
	hub   *hub
	inbox chan message
	clock gateway.Clock
	log   *slog.Logger
	bits  map[uint8]string // data bits -> meaning

	mu          sync.Mutex
	presses     uint64 // events after folding repeats
	unknownBits uint64
	lastCode    Code
	lastAt      time.Time
	portDown    error
	missing     bool
	health      event.Health
}

// Open pairs the device with its bridge, opening the bridge's port if no
// other device has.
func Open(env gateway.Env, id string, o Options) (*Sensor, error) {
	if err := o.Validate(""); err != nil {
		return nil, err
	}
	h, err := acquire(env, o.Port, o.Baud)
	if err != nil {
		return nil, err
	}
	inbox, err := h.subscribe(o.Address)
	if err != nil {
		h.release()
		return nil, err
	}
	bits := map[uint8]string{}
	for name, v := range o.Events {
		bits[v] = name
	}
	log := env.Log
	if log == nil {
		log = slog.Default()
	}
	return &Sensor{id: id, opts: o, hub: h, inbox: inbox, clock: env.Clock, bits: bits,
		health: event.HealthUnknown,
		log:    log.With("sensor", id, "driver", "rf433", "address", fmt.Sprintf("%05X", o.Address))}, nil
}

// Events counts the events reported after folding repeats, and codes with
// data bits the config does not name.
func (s *Sensor) Events() (events, unknownBits uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.presses, s.unknownBits
}

// Run reports the device's events until ctx is done, then unpairs it.
func (s *Sensor) Run(ctx context.Context, out gateway.Emitter) error {
	defer s.hub.release()
	defer s.hub.unsubscribe(s.opts.Address)
	supervise := s.clock.NewTimer(s.opts.CheckIn)
	defer supervise.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-supervise.Chan():
			s.missing = true
			s.report(out)
		case m := <-s.inbox:
			switch {
			case m.portErr != nil:
				s.portDown = m.portErr
			case m.portOK:
				s.portDown = nil
			default:
				if !supervise.Stop() {
					select {
					case <-supervise.Chan():
					default:
					}
				}
				supervise.Reset(s.opts.CheckIn)
				s.missing = false
				s.code(m, out)
			}
			s.report(out)
		}
	}
}

// code reports one received code unless it repeats the previous one within
// the repeat window (measured from the latest repeat).
func (s *Sensor) code(m message, out gateway.Emitter) {
	repeat := m.code == s.lastCode && !s.lastAt.IsZero() && m.at.Sub(s.lastAt) <= s.opts.RepeatWindow
	s.lastCode, s.lastAt = m.code, m.at
	if repeat {
		return
	}
	meaning, ok := s.bits[m.code.Data()]
	s.mu.Lock()
	if ok {
		s.presses++
	} else {
		s.unknownBits++
	}
	s.mu.Unlock()
	if !ok {
		s.log.Warn("code with data bits not in config", "code", m.code.String(), "data", m.code.Data())
		return
	}
	r := Meanings[meaning]
	r.Sensor, r.Time = s.id, m.at
	out.Reading(r)
}

// report emits a Status when the sensor's health changes.
func (s *Sensor) report(out gateway.Emitter) {
	h, reason := event.HealthOK, ""
	switch {
	case s.portDown != nil:
		h, reason = event.HealthFault, "rf bridge: "+s.portDown.Error()
	case s.missing:
		h, reason = event.HealthFault, fmt.Sprintf("device missing: no signal for %v", s.opts.CheckIn)
	case s.lastAt.IsZero() && s.health == event.HealthUnknown:
		return // nothing heard yet, nothing wrong yet
	}
	if h == s.health {
		return
	}
	s.health = h
	if h == event.HealthFault {
		s.log.Warn("rf device fault", "reason", reason)
	}
	out.Status(gateway.Status{Sensor: s.id, Health: h, Reason: reason, Time: s.clock.Now()})
}
