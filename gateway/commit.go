// Committing what the loop decided: outputs are driven, events and loop state
// are written in one transaction, failed commits are retried in order, and the
// saved state is restored at start.

package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// State keys the pipeline saves.
const (
	stateActiveAlarms = "pipeline.active_alarms"
	stateEvaluator    = "rules.state"
)

func (p *Pipeline) restore(ctx context.Context, now time.Time) error {
	if data, err := p.store.GetState(ctx, stateActiveAlarms); err == nil {
		var saved []activeAlarm
		if err := json.Unmarshal(data, &saved); err != nil {
			return fmt.Errorf("pipeline: decode active alarms: %w", err)
		}
		for _, a := range saved {
			p.active[a.Key] = a.ID
			p.leds.alarms[a.ID] = &alarmFlags{test: a.Test, acked: a.Acked, sent: a.Sent}
		}
	} else if !errors.Is(err, ErrNoState) {
		return fmt.Errorf("pipeline: %w", err)
	}
	ss, ok := p.eval.(StateSaver)
	if !ok {
		return nil
	}
	data, err := p.store.GetState(ctx, stateEvaluator)
	if errors.Is(err, ErrNoState) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	acts, err := ss.LoadState(now, data)
	if err != nil {
		// Rules changed shape: start their timers afresh rather than not
		// start at all. Active alarms are kept.
		p.log.Error("saved rule state not usable; rule timers start afresh", "err", err)
		return nil
	}
	p.applyLogged(ctx, now, acts)
	return nil
}

func (p *Pipeline) applyLogged(ctx context.Context, now time.Time, acts []Action) {
	if err := p.apply(ctx, now, acts); err != nil {
		p.log.Error("commit events failed; will retry", "err", err, "pending", len(p.retry))
	}
}

// apply drives outputs and commits events. Events whose commit fails are
// kept and retried before anything newer, so order is kept and nothing is
// lost while the store recovers.
func (p *Pipeline) apply(ctx context.Context, now time.Time, acts []Action) error {
	activeChanged := false
	evs := p.retry
	var outs []Action
	for _, a := range acts {
		if a.Output != "" {
			outs = append(outs, a)
		}
		if a.Event == nil {
			continue
		}
		ev := *a.Event
		p.ruleHealth(&ev)
		if !p.complete(now, &ev, &activeChanged) {
			continue
		}
		evs = append(evs, &ev)
	}
	state := map[string][]byte{}
	if activeChanged || p.leds.dirty {
		p.leds.dirty = false
		list := make([]activeAlarm, 0, len(p.active))
		for k, id := range p.active {
			a := activeAlarm{Key: k, ID: id}
			if f := p.leds.alarms[id]; f != nil {
				a.Test, a.Acked, a.Sent = f.test, f.acked, f.sent
			}
			list = append(list, a)
		}
		data, err := json.Marshal(list)
		if err != nil {
			return fmt.Errorf("pipeline: encode active alarms: %w", err)
		}
		state[stateActiveAlarms] = data
	}
	if ss, ok := p.eval.(StateSaver); ok {
		data, changed, err := ss.SaveState()
		if err != nil {
			p.log.Error("save rule state", "err", err)
		} else if changed {
			state[stateEvaluator] = data
		}
	}
	// Outputs first: the siren must sound even if the disk is failing.
	for _, a := range outs {
		p.setOutput(a.Output, a.On)
	}
	p.driveLEDs(now)
	if len(evs) == 0 && len(state) == 0 {
		return nil
	}
	if err := p.store.Commit(ctx, evs, state); err != nil {
		p.retry = evs
		return err
	}
	p.retry = nil
	p.publish(evs)
	return nil
}
