package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// outputs lists the configured outputs, opened or not.
func (s *Server) outputs(w http.ResponseWriter, r *http.Request) {
	t := s.cfg.Backend.Outputs
	if t == nil {
		s.fail(w, fmt.Errorf("outputs: %w: this daemon cannot list its outputs", ErrNotAvailable))
		return
	}
	list := t.Outputs()
	if list == nil {
		list = []OutputStatus{}
	}
	writeJSON(w, http.StatusOK, list)
}

// outputTest switches the outputs named by the id parameters (none: every
// configured output) on for the for parameter each, one after another, and
// back as they were. An output that did not open is reported as failed,
// not skipped. However the request ends, the output being tested is put
// back before the handler returns.
func (s *Server) outputTest(w http.ResponseWriter, r *http.Request) {
	t := s.cfg.Backend.Outputs
	if t == nil {
		s.fail(w, fmt.Errorf("output test: %w: this daemon cannot test its outputs", ErrNotAvailable))
		return
	}
	hold, err := queryDurationIn(r, "for", OutputTestDefault, OutputTestMin, OutputTestMax)
	if err != nil {
		s.fail(w, err)
		return
	}
	plan, err := pickOutputs(t.Outputs(), r.URL.Query()["id"])
	if err != nil {
		s.fail(w, err)
		return
	}
	if !s.testing.TryLock() {
		s.fail(w, fmt.Errorf("output test: %w: another output test is running", ErrBusy))
		return
	}
	send := lines(w)
	results, complete := func() ([]OutputResult, bool) {
		// Unlocked before the done line: once a client has read it, its
		// next test is not refused as busy.
		defer s.testing.Unlock()
		return s.switchInTurn(r.Context(), t, plan, hold, send)
	}()
	if complete {
		send(OutputTestStep{Stage: OutputTestDone, Time: s.cfg.Clock.Now(), ForMS: hold.Milliseconds(), Results: results})
	}
}

// switchInTurn tests each output of plan, sending the start line and each
// output's lines; complete is false when the client went away.
func (s *Server) switchInTurn(ctx context.Context, t OutputTester, plan []OutputStatus, hold time.Duration, send func(any) error) (results []OutputResult, complete bool) {
	ids := make([]string, len(plan))
	for i, o := range plan {
		ids[i] = o.ID
	}
	log, clock := s.cfg.Log, s.cfg.Clock
	log.Info("output test started", "outputs", ids, "for", hold)
	if send(OutputTestStep{Stage: OutputTestStart, Time: clock.Now(), ForMS: hold.Milliseconds(), Outputs: plan}) != nil {
		return nil, false
	}
	var failed []string
	for _, o := range plan {
		res := s.testOutput(ctx, t, o, hold, send)
		results = append(results, res)
		if ctx.Err() != nil {
			log.Info("output test stopped by the client", "output", o.ID)
			return results, false
		}
		step := OutputTestStep{Stage: OutputTestOff, Time: clock.Now(), Output: o.ID, Kind: o.Kind, WasOn: res.WasOn}
		if !res.OK {
			step.Stage, step.Error = OutputTestFailed, res.Error
			failed = append(failed, o.ID)
		}
		if send(step) != nil {
			return results, false
		}
	}
	log.Info("output test ended", "outputs", ids, "failed", failed)
	return results, true
}

// testOutput holds one output on for d and puts it back, at once if ctx
// ends first or the "on" line cannot be sent. Putting it back takes no
// context: a cancelled request must not leave the siren sounding.
func (s *Server) testOutput(ctx context.Context, t OutputTester, o OutputStatus, d time.Duration, send func(any) error) (res OutputResult) {
	res = OutputResult{Output: o.ID, Kind: o.Kind}
	if !o.OK {
		res.Error = "not opened at start: " + o.Error
		return res
	}
	// The timer runs before the technician hears of the output, so every
	// "on" line is followed by its "off" d later (tests on a fake clock
	// rely on that).
	timer := s.cfg.Clock.NewTimer(d)
	defer timer.Stop()
	wasOn, err := t.HoldOutput(o.ID)
	// Whatever happens next, also when switching on failed half-way.
	defer func() {
		if rerr := t.ReleaseOutput(o.ID); rerr != nil {
			s.cfg.Log.Error("output test: output not switched back", "output", o.ID, "err", rerr)
			res.OK = false
			res.Error = strings.TrimPrefix(res.Error+"; "+rerr.Error(), "; ")
		}
	}()
	res.WasOn = wasOn
	if err != nil {
		res.Error = err.Error()
		return res
	}
	on := OutputTestStep{Stage: OutputTestOn, Time: s.cfg.Clock.Now(), Output: o.ID, Kind: o.Kind, WasOn: wasOn, ForMS: d.Milliseconds()}
	if send(on) != nil {
		return res
	}
	select {
	case <-ctx.Done():
	case <-timer.Chan():
		res.OK = true
	}
	return res
}

// pickOutputs returns the outputs named by ids, in that order and each
// once, or every output when ids is empty.
func pickOutputs(all []OutputStatus, ids []string) ([]OutputStatus, error) {
	if len(all) == 0 {
		return nil, fmt.Errorf("output test: %w: this box has no outputs (the config's outputs: section is empty)", ErrNotAvailable)
	}
	if len(ids) == 0 {
		return all, nil
	}
	byID := map[string]OutputStatus{}
	for _, o := range all {
		byID[o.ID] = o
	}
	var plan []OutputStatus
	seen := map[string]bool{}
	for _, id := range ids {
		o, ok := byID[id]
		if !ok {
			return nil, unknownOutput(all, id)
		}
		if !seen[id] {
			seen[id] = true
			plan = append(plan, o)
		}
	}
	return plan, nil
}

// unknownOutput names the id and lists the known ones; an output kind
// given for an id gets a hint.
func unknownOutput(all []OutputStatus, id string) error {
	var known, ofKind []string
	for _, o := range all {
		known = append(known, o.ID)
		if o.Kind == id {
			ofKind = append(ofKind, o.ID)
		}
	}
	hint := ""
	if len(ofKind) > 0 {
		hint = fmt.Sprintf(" (%q is an output kind; the id to give is %s)", id, strings.Join(ofKind, " or "))
	}
	return badRequest("unknown output %q: this box's outputs are %s%s", id, strings.Join(known, ", "), hint)
}
