// Building an Engine from a rule set: one unit per (rule, sensor) key, and the
// route of handlers each sensor's readings pass through.

package rules

import (
	"fmt"
	"slices"
	"time"

	"github.com/safehub-iot/safehub/gateway"
)

// New builds an engine. The rules must come validated from rulesfile; New
// checks only the invariants it relies on.
func New(rs []Rule, opt Options) (*Engine, error) {
	e := &Engine{
		loc:     opt.Location,
		sensors: map[string]*sensor{},
		byKey:   map[gateway.AlarmKey]unit{},
	}
	e.clk.mono = opt.Monotonic
	if e.loc == nil {
		e.loc = time.UTC
	}
	seen := map[string]bool{}
	for i := range rs {
		r := rs[i]
		r.Sensors = slices.Clone(r.Sensors)
		if err := r.check(); err != nil {
			return nil, err
		}
		if seen[r.ID] {
			return nil, fmt.Errorf("%w: duplicate id %q", ErrInvalid, r.ID)
		}
		seen[r.ID] = true
		e.rules = append(e.rules, &r)
		if err := e.build(&r); err != nil {
			return nil, err
		}
	}
	// A fall's cancel press is seen before the button's own rule, which
	// then raises nothing for it.
	for _, s := range e.sensors {
		slices.SortStableFunc(s.handlers, func(a, b handler) int {
			_, ca := a.(*fallCancel)
			_, cb := b.(*fallCancel)
			switch {
			case ca && !cb:
				return -1
			case cb && !ca:
				return 1
			}
			return 0
		})
	}
	return e, nil
}

func (e *Engine) route(id string) *sensor {
	s := e.sensors[id]
	if s == nil {
		s = &sensor{id: id}
		e.sensors[id] = s
	}
	return s
}

func (e *Engine) add(u unit) error {
	k := u.key()
	if _, dup := e.byKey[k]; dup {
		return fmt.Errorf("%w %q: sensor %q listed twice", ErrInvalid, k.Rule, k.Sensor)
	}
	e.byKey[k] = u
	e.units = append(e.units, u)
	return nil
}

func (e *Engine) build(r *Rule) error {
	switch r.Kind {
	case Digital:
		for _, id := range r.Sensors {
			u := &digitalUnit{rule: r, sensor: id}
			if err := e.add(u); err != nil {
				return err
			}
			e.route(id).handlers = append(e.route(id).handlers, u)
		}
	case Threshold:
		for _, id := range r.Sensors {
			u := &thresholdUnit{rule: r, sensor: id}
			if err := e.add(u); err != nil {
				return err
			}
			e.route(id).handlers = append(e.route(id).handlers, u)
		}
	case Fall:
		for _, id := range r.Sensors {
			u := &fallUnit{rule: r, sensor: id}
			if err := e.add(u); err != nil {
				return err
			}
			e.route(id).handlers = append(e.route(id).handlers, u)
			for _, b := range r.CancelBy {
				e.route(b).handlers = append(e.route(b).handlers, &fallCancel{u})
			}
		}
	case Inactivity:
		u := &inactivityUnit{rule: r, loc: e.loc, clk: &e.clk}
		if err := e.add(u); err != nil {
			return err
		}
		for _, id := range r.Sensors {
			e.route(id).handlers = append(e.route(id).handlers, u)
		}
	case NightDoor:
		u := &nightDoorUnit{rule: r, loc: e.loc, clk: &e.clk}
		if err := e.add(u); err != nil {
			return err
		}
		e.route(r.Door).handlers = append(e.route(r.Door).handlers, u)
		for _, id := range r.Inside {
			e.route(id).handlers = append(e.route(id).handlers, u)
		}
	case Health:
		for _, id := range r.Sensors {
			s := e.route(id)
			if s.health != nil {
				return fmt.Errorf("%w %q: sensor %q already watched by health rule %q", ErrInvalid, r.ID, id, s.health.rule.ID)
			}
			u := newHealthUnit(r, s)
			if err := e.add(u); err != nil {
				return err
			}
			s.health = u
		}
	}
	return nil
}
