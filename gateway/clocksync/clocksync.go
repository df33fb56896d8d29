// Package clocksync tells whether the system clock can be trusted yet.
//
// A Raspberry Pi has no battery-backed real-time clock: after a power cut it
// boots with the time it last saved (or 1970) and keeps that until NTP has
// synchronized it. Events stamped meanwhile carry a time that may be wrong,
// so the pipeline marks them clock_unsure (see gateway.PipelineConfig) and the
// center orders them by the box's sequence number and its own receive time.
//
// A Checker asks a Source, by default the kernel's NTP state through
// adjtimex(2), and logs when the clock becomes synchronized or is lost.
package clocksync

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// Status is the kernel's view of the system clock.
type Status struct {
	// Synced is false while the kernel reports the clock unsynchronized
	// (STA_UNSYNC, or adjtimex returning TIME_ERROR).
	Synced bool
	// MaxError is the kernel's bound on the clock's error; it grows by
	// 0.5 ms per second while no NTP update arrives.
	MaxError time.Duration
}

// Source reports the clock's status. It must be cheap (it is asked for each
// event) and safe for concurrent use.
type Source interface {
	ClockStatus() (Status, error)
}

// SourceFunc adapts a function to a Source (tests use it).
type SourceFunc func() (Status, error)

// ClockStatus calls f.
func (f SourceFunc) ClockStatus() (Status, error) { return f() }

// DefaultMaxError is the largest error bound still counted as synchronized.
// NTP clients poll at most every 2048 s or so, over which the kernel's bound
// grows by about 1 s; 5 s leaves room for that without flapping, and is
// still far tighter than a clock that never synchronized.
const DefaultMaxError = 5 * time.Second

// ErrUnsupported is returned by Kernel on systems without adjtimex.
var ErrUnsupported = errors.New("clocksync: clock status not available on this system")

// Checker answers "is the clock unsure?" and logs each change of answer.
type Checker struct {
	src    Source
	log    *slog.Logger
	maxErr time.Duration

	mu      sync.Mutex
	known   bool // a first answer has been logged
	unsure  bool
	lastErr string
}

// New returns a Checker asking src. A nil log discards; maxErr <= 0 means
// DefaultMaxError.
func New(src Source, log *slog.Logger, maxErr time.Duration) *Checker {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if maxErr <= 0 {
		maxErr = DefaultMaxError
	}
	return &Checker{src: src, log: log, maxErr: maxErr}
}

// Unsure reports whether the clock may be wrong: not synchronized, an error
// bound over the limit, or a status that cannot be read (an unreadable clock
// is not trusted). It is a gateway.PipelineConfig.ClockUnsure.
func (c *Checker) Unsure() bool {
	st, err := c.src.ClockStatus()
	unsure := err != nil || !st.Synced || st.MaxError > c.maxErr

	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		if msg := err.Error(); msg != c.lastErr {
			c.lastErr = msg
			c.log.Warn("cannot read the clock's sync status; events are marked clock_unsure", "err", err)
		}
	} else {
		c.lastErr = ""
	}
	switch {
	case !c.known && unsure:
		c.log.Warn("system clock not synchronized; events are marked clock_unsure until it is", "max_error", st.MaxError)
	case !c.known:
		c.log.Info("system clock synchronized", "max_error", st.MaxError)
	case c.unsure && !unsure:
		c.log.Info("system clock synchronized; events are no longer marked clock_unsure", "max_error", st.MaxError)
	case !c.unsure && unsure:
		c.log.Warn("system clock lost synchronization; events are marked clock_unsure", "max_error", st.MaxError)
	}
	c.known, c.unsure = true, unsure
	return unsure
}

// Watch asks once now and again at each tick until ctx is done, so that a
// change is logged when it happens and not only at the next event. The
// caller owns the ticker. It returns nil.
func (c *Checker) Watch(ctx context.Context, tick <-chan time.Time) error {
	c.Unsure()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick:
			c.Unsure()
		}
	}
}
