package daemon

import (
	"context"
	"time"
)

// watchdog pings systemd's watchdog every interval, but only while the
// pipeline's loop has turned within the config's stall_after: a stuck event
// loop stops the pings and systemd restarts the daemon.
func (d *Daemon) watchdog(ctx context.Context, interval time.Duration) error {
	t := d.clock.NewTicker(interval)
	defer t.Stop()
	stalled := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.Chan():
		}
		age := d.clock.Since(d.pipe.Alive())
		if age <= d.Config().Watchdog.StallAfter.D() {
			d.notify("WATCHDOG=1")
			stalled = false
		} else if !stalled {
			stalled = true
			d.log.Error("event loop stalled; no longer pinging the watchdog", "silent_for", age)
		}
	}
}

// EnableWatchdog makes Run ping the watchdog every interval (half of
// systemd's WatchdogSec). Call before Run.
func (d *Daemon) EnableWatchdog(interval time.Duration) {
	d.extras = append(d.extras, func(ctx context.Context) error { return d.watchdog(ctx, interval) })
}
