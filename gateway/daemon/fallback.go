package daemon

import (
	"context"
	"fmt"
	"time"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/gateway/config"
	"github.com/safehub-iot/safehub/gateway/smsfallback"
)

// fallbackConfig maps the config's fallback section onto the SMS fallback.
func fallbackConfig(cfg *config.File) smsfallback.Config {
	fb := cfg.Fallback
	gc := smsfallback.Default()
	gc.Port, gc.Numbers = fb.Port, append([]string(nil), fb.Numbers...)
	if fb.Baud > 0 {
		gc.Baud = fb.Baud
	}
	if d := fb.LinkDownAfter.D(); d > 0 {
		gc.LinkDownAfter = d
	}
	if d := fb.AckWithin.D(); d > 0 {
		gc.AckWithin = d
	}
	if fb.Language != "" {
		gc.Language = fb.Language
	}
	gc.Site = cfg.Site.Name
	if gc.Site == "" {
		gc.Site = cfg.Site.ID
	}
	return gc
}

// alwaysDown is the link of a local-only box: it has never been up, so every
// unacknowledged alarm goes out by SMS.
type alwaysDown struct{ since time.Time }

func (a alwaysDown) DownSince() (time.Time, bool) { return a.since, true }

// linkDown adapts the cloud link (zero time while connected) to smsfallback.Link.
type linkDown struct{ d *Daemon }

func (l linkDown) DownSince() (time.Time, bool) {
	t := l.d.link.DownSince()
	return t, !t.IsZero()
}

// runFallback opens the GSM modem and runs the SMS fallback until ctx is
// done. A modem that cannot be opened is a fault of the sensor "gsm",
// retried; it never stops the daemon.
func (d *Daemon) runFallback(ctx context.Context) error {
	cfg := d.Config()
	gc := fallbackConfig(cfg)
	if err := gc.Validate(); err != nil {
		return fmt.Errorf("fallback: %w", err)
	}
	var link smsfallback.Link = alwaysDown{since: d.clock.Now()}
	if d.link != nil {
		link = linkDown{d}
	}
	status := func(s gateway.Status) {
		kind, sev, msg := event.SensorRestored, event.Info, "GSM modem working again"
		if s.Health == event.HealthFault {
			kind, sev, msg = event.SensorFault, event.High, "GSM modem: "+s.Reason
		}
		d.commit(ctx, &event.Event{Kind: kind, Severity: sev, Sensor: "gsm", Message: msg})
	}
	faulted := false
	for ctx.Err() == nil {
		port, err := d.hw.Serial(gc.Port, gc.Baud)
		if err != nil {
			if !faulted {
				status(gateway.Status{Health: event.HealthFault, Reason: err.Error()})
				faulted = true
			}
			select {
			case <-ctx.Done():
				return nil
			case <-d.clock.After(openRetry):
				continue
			}
		}
		if faulted {
			status(gateway.Status{Health: event.HealthOK})
		}
		loc, _ := time.LoadLocation(cfg.Site.Timezone)
		fb := &smsfallback.Fallback{
			Config: gc, Modem: d.opts.OpenModem(port, d.clock, d.log), Link: link, Alarms: d.store, Sent: d.store,
			Clock: d.clock, Status: status, Location: loc, Log: d.log,
		}
		err = fb.Run(ctx)
		port.Close()
		return err
	}
	return nil
}
