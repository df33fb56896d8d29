package scenario

import (
	"context"
	"fmt"
	"time"

	"github.com/jonboulle/clockwork"
)

// Home carries out a scenario's steps on one simulated home.
type Home interface {
	// Do carries out op now: the Begin of a step, or the End of one that
	// lasts (the button released, the network back). An error means the
	// step could not be done (no such device); Play stops on it.
	Do(ctx context.Context, op Op) error
}

// Timeline moves the home's clock forward.
type Timeline interface {
	// Advance moves time on by d, letting the home's drivers, rules and
	// link react as they would over that time.
	Advance(ctx context.Context, d time.Duration) error
}

// Play walks sc's timeline: it advances time to each op and hands it to
// home, then advances to the scenario's end. onOp, if set, is called
// before each op (for printing).
func Play(ctx context.Context, sc *Scenario, home Home, tl Timeline, onOp func(Op)) error {
	var now time.Duration
	for _, op := range sc.Ops() {
		if err := tl.Advance(ctx, op.At-now); err != nil {
			return err
		}
		now = op.At
		if onOp != nil {
			onOp(op)
		}
		if err := home.Do(ctx, op); err != nil {
			return fmt.Errorf("line %d: %s at %v: %w", op.Step.Line, op.Step.Do, op.At, err)
		}
	}
	return tl.Advance(ctx, sc.Duration-now)
}

// FakeTimeline drives a fake clock in small increments, pausing briefly in
// real time after each so goroutines woken by the clock (drivers sampling,
// debounce timers, the link's poll) run before time moves on. A scenario
// spanning hours runs in seconds.
type FakeTimeline struct {
	Clock *clockwork.FakeClock
	// Fine is the increment used within Busy after the last op (default
	// 10 ms), so debounce and hold times resolve exactly; Coarse is used
	// otherwise (default 1 s).
	Fine, Coarse time.Duration
	// Busy is how long after a Do fine steps are used (default 5 s).
	Busy time.Duration
	// Pause is the real time given to the home after each increment
	// (default 200 µs); with Settle set, only after fine increments.
	Pause time.Duration
	// Settle, if set, is called after each increment and Pause, and
	// should return once the home has caught up with the clock (e.g. its
	// event loop has turned), so simulated time never runs ahead of what
	// the home has processed.
	Settle func(ctx context.Context) error

	fineLeft time.Duration
}

func (t *FakeTimeline) defaults() {
	if t.Fine <= 0 {
		t.Fine = 10 * time.Millisecond
	}
	if t.Coarse <= 0 {
		t.Coarse = time.Second
	}
	if t.Busy <= 0 {
		t.Busy = 5 * time.Second
	}
	if t.Pause <= 0 {
		t.Pause = 200 * time.Microsecond
	}
}

// Advance implements Timeline. Each call after the first starts a busy
// period: ops are what make the home busy.
func (t *FakeTimeline) Advance(ctx context.Context, d time.Duration) error {
	t.defaults()
	for d > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		step, fine := t.Coarse, t.fineLeft > 0
		if fine {
			step = t.Fine
		}
		step = min(step, d)
		t.Clock.Advance(step)
		d -= step
		t.fineLeft -= step
		if fine || t.Settle == nil {
			time.Sleep(t.Pause)
		}
		if t.Settle != nil {
			if err := t.Settle(ctx); err != nil {
				return err
			}
		}
	}
	t.fineLeft = t.Busy
	return nil
}

// RealTimeline waits in real time (the interactive demo and latency runs).
type RealTimeline struct{ Clock clockwork.Clock }

// Advance implements Timeline.
func (t RealTimeline) Advance(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.Clock.After(d):
		return nil
	}
}
