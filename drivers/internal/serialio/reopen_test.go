package serialio

import (
	"context"
	"errors"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/safehub-iot/safehub/internal/backoff"
)

// stepClock fires every wait at once and records how long it was.
type stepClock struct{ waits []time.Duration }

func (c *stepClock) After(d time.Duration) <-chan time.Time {
	c.waits = append(c.waits, d)
	ch := make(chan time.Time, 1)
	ch <- time.Time{}
	return ch
}

type nopPort struct{}

func (nopPort) Read([]byte) (int, error)  { return 0, io.EOF }
func (nopPort) Write([]byte) (int, error) { return 0, nil }
func (nopPort) Close() error              { return nil }

func TestReopen(t *testing.T) {
	full := func(d time.Duration) time.Duration { return d }
	errGone := errors.New("no such device")
	tests := []struct {
		name      string
		fails     int // attempts that fail before one opens
		cancelAt  int // cancel ctx at this attempt (0: never)
		wantWaits []time.Duration
		wantPort  bool
	}{
		{"opens at the first try, after one wait", 0, 0, []time.Duration{time.Second}, true},
		{"doubles up to the cap", 5, 0,
			[]time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second, 8 * time.Second}, true},
		{"ctx done between attempts", 10, 3, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			clock := &stepClock{}
			attempts := 0
			var failed []error
			r := Reopener{
				Open: func() (io.ReadWriteCloser, error) {
					attempts++
					if attempts == tc.cancelAt {
						cancel()
					}
					if attempts <= tc.fails {
						return nil, errGone
					}
					return nopPort{}, nil
				},
				Clock:   clock,
				Backoff: backoff.Policy{Min: time.Second, Max: 8 * time.Second, Jitter: full},
				Failed:  func(err error) { failed = append(failed, err) },
			}
			p := r.Reopen(ctx)
			if got := p != nil; got != tc.wantPort {
				t.Errorf("got a port: %v, want %v", got, tc.wantPort)
			}
			if !slices.Equal(clock.waits, tc.wantWaits) {
				t.Errorf("waits = %v, want %v", clock.waits, tc.wantWaits)
			}
			if got, want := len(failed), min(attempts, tc.fails); got != want {
				t.Errorf("%d failures reported, want %d", got, want)
			}
		})
	}
}

// TestReopenDefaultBackoffOnFakeClock runs the zero-value policy
// (ReopenBackoff, random jitter) on a fake clock: no attempt before half the
// minimum wait, one by the full wait, and none once ctx is done.
func TestReopenDefaultBackoffOnFakeClock(t *testing.T) {
	clock := clockwork.NewFakeClock()
	opened := make(chan struct{}, 1)
	r := Reopener{Clock: clock, Open: func() (io.ReadWriteCloser, error) {
		opened <- struct{}{}
		return nopPort{}, nil
	}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan io.ReadWriteCloser, 1)
	go func() { done <- r.Reopen(ctx) }()
	waitCtx, waitCancel := context.WithTimeout(ctx, 5*time.Second)
	defer waitCancel()
	if err := clock.BlockUntilContext(waitCtx, 1); err != nil {
		t.Fatal(err)
	}
	clock.Advance(ReopenBackoff.Min/2 - time.Millisecond)
	select {
	case <-opened:
		t.Fatal("reopened before half the minimum wait")
	case <-time.After(20 * time.Millisecond):
	}
	clock.Advance(ReopenBackoff.Min/2 + time.Millisecond)
	if p := <-done; p == nil {
		t.Fatal("no port after the full minimum wait")
	}

	go func() { done <- r.Reopen(ctx) }()
	if err := clock.BlockUntilContext(waitCtx, 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	if p := <-done; p != nil {
		t.Error("a port after ctx was done")
	}
}
