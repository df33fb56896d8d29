// Package backoff is SafeHub's one rule for spacing retries: waits double
// from a minimum up to a cap, and each is jittered into [d/2, d] so boxes
// that failed together do not retry together. It computes waits only; the
// caller waits on its own (injected) clock.
package backoff

import (
	"math/rand/v2"
	"time"
)

// Policy is a capped exponential backoff with jitter.
type Policy struct {
	// Min is the first wait and Max the cap; Max below Min means Min.
	Min, Max time.Duration
	// Jitter picks the wait for a capped delay d, in [d/2, d]; nil picks
	// uniformly at random. Tests pass a fixed choice.
	Jitter func(d time.Duration) time.Duration
}

// Delay is the wait after the n-th failure in a row (n from 1): Min
// doubled n-1 times, capped at Max, then jittered.
func (p Policy) Delay(n int) time.Duration {
	d := p.Min
	for i := 1; i < n && d < p.Max; i++ {
		d *= 2
	}
	d = max(min(d, p.Max), p.Min)
	if p.Jitter != nil {
		return p.Jitter(d)
	}
	return d/2 + rand.N(d/2+1)
}
