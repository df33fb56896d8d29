package serialio

import (
	"context"
	"io"
	"time"

	"github.com/safehub-iot/safehub/internal/backoff"
)

// ReopenBackoff spaces a driver's attempts to reopen a failed port: from
// 1 s, doubling to 30 s, jittered.
var ReopenBackoff = backoff.Policy{Min: time.Second, Max: 30 * time.Second}

// Clock is the part of the driver's clock Reopener waits on.
type Clock interface {
	After(d time.Duration) <-chan time.Time
}

// Reopener reopens a serial port that failed. It starts no goroutine: Reopen
// runs in the caller's, and returns once the port opens or ctx is done.
type Reopener struct {
	// Open opens the port; usually gateway.Hardware's Serial for the
	// driver's path and baud.
	Open func() (io.ReadWriteCloser, error)
	// Clock times the waits between attempts.
	Clock Clock
	// Backoff spaces the attempts; the zero value means ReopenBackoff.
	Backoff backoff.Policy
	// Failed, if set, is told of each failed attempt (to log it).
	Failed func(err error)
}

// Reopen waits, tries Open, and repeats with backoff until Open succeeds
// (the port) or ctx is done (nil). The first attempt comes after one wait:
// a port that just failed is rarely back at once.
func (r Reopener) Reopen(ctx context.Context) io.ReadWriteCloser {
	b := r.Backoff
	if b.Min == 0 {
		b = ReopenBackoff
	}
	for n := 1; ctx.Err() == nil; n++ {
		select {
		case <-ctx.Done():
			return nil
		case <-r.Clock.After(b.Delay(n)):
		}
		p, err := r.Open()
		if err == nil {
			return p
		}
		if r.Failed != nil {
			r.Failed(err)
		}
	}
	return nil
}
