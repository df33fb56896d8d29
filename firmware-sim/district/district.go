package district

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/safehub-iot/safehub/event"
)

// Config configures a district.
type Config struct {
	Homes int
	// BrokerURL is the broker every home connects to (tcp://host:port);
	// homes log in with user name = site id, as the center's embedded
	// broker expects in demo mode.
	BrokerURL string
	// SitePrefix starts every site id (default "home-"), followed by the
	// home's number.
	SitePrefix string
	// Heartbeat is each home's heartbeat interval (default 60 s).
	Heartbeat time.Duration
	// StartRate is how many homes start per second (default 500), so the
	// broker is not hit by every connection at once.
	StartRate int
	// StoreDir, if set, holds each home's SQLite file; by default each
	// home's store is an in-memory SQLite database.
	StoreDir string
	Clock    clockwork.Clock
	Log      *slog.Logger
}

// District is a running set of homes.
type District struct {
	cfg   Config
	Homes []*Home
}

// Start starts cfg.Homes homes at cfg.StartRate per second. It returns once
// every home is running (not necessarily connected: see Connected).
func Start(ctx context.Context, cfg Config) (*District, error) {
	if cfg.Homes < 1 || cfg.BrokerURL == "" {
		return nil, errors.New("district: Homes (at least 1) and BrokerURL are required")
	}
	if cfg.SitePrefix == "" {
		cfg.SitePrefix = "home-"
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = time.Minute
	}
	if cfg.StartRate <= 0 {
		cfg.StartRate = 500
	}
	if cfg.Clock == nil {
		cfg.Clock = clockwork.NewRealClock()
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	d := &District{cfg: cfg}
	tick := time.Second / time.Duration(cfg.StartRate)
	next := time.Now()
	for i := range cfg.Homes {
		if err := ctx.Err(); err != nil {
			d.Close()
			return nil, err
		}
		h, err := startHome(ctx, cfg, i)
		if err != nil {
			d.Close()
			return nil, err
		}
		d.Homes = append(d.Homes, h)
		next = next.Add(tick)
		if wait := time.Until(next); wait > 0 {
			time.Sleep(wait)
		}
	}
	return d, nil
}

// Connected counts the homes whose link is up.
func (d *District) Connected() int {
	n := 0
	for _, h := range d.Homes {
		if h.Link.State().Connected {
			n++
		}
	}
	return n
}

// WaitConnected waits until every home's link is up, or ctx is done.
func (d *District) WaitConnected(ctx context.Context, every time.Duration) error {
	for {
		n := d.Connected()
		if n == len(d.Homes) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d of %d homes connected: %w", n, len(d.Homes), ctx.Err())
		case <-time.After(every):
		}
	}
}

// Unsent counts events committed in the homes but not yet accepted by the
// broker.
func (d *District) Unsent(ctx context.Context) (int, error) {
	total := 0
	for _, h := range d.Homes {
		n, _, err := h.Store.OutboxDepth(ctx)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// Close stops every home, in parallel.
func (d *District) Close() error {
	var wg sync.WaitGroup
	errs := make([]error, len(d.Homes))
	sem := make(chan struct{}, 64)
	for i, h := range d.Homes {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = h.close()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Raised counts the alarms the homes' pipelines raised (alarm_raised events
// committed), to tell a press the box never saw from one not delivered.
func (d *District) Raised(ctx context.Context) (int, error) {
	total := 0
	for _, h := range d.Homes {
		evs, err := h.Store.Events(ctx, 0, 1<<20)
		if err != nil {
			return 0, err
		}
		for _, ev := range evs {
			if ev.Kind == event.AlarmRaised {
				total++
			}
		}
	}
	return total, nil
}
