package daemon

// The cloud link's wiring: the config file's cloud section mapped onto
// cloudlink.Config, and the link built on the daemon's store and pipeline
// (New switches it on when a broker is configured).

import (
	"context"
	"time"

	"github.com/safehub-iot/safehub/cloudlink"
	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/gateway/api"
	"github.com/safehub-iot/safehub/gateway/config"
)

// linkConfig maps the config file's cloud section onto the link's config.
// ok is false when no broker is configured (a local-only box).
func linkConfig(cfg *config.File, version string) (lc cloudlink.Config, ok bool) {
	c := cfg.Cloud
	if len(c.Brokers) == 0 {
		return cloudlink.Config{}, false
	}
	lc = cloudlink.Default()
	lc.Site = cfg.Site.ID
	lc.Brokers = append([]string(nil), c.Brokers...)
	lc.ClientID = c.ClientID
	lc.CAFile, lc.CertFile, lc.KeyFile = c.TLS.CA, c.TLS.Cert, c.TLS.Key
	lc.Username, lc.PasswordFile = c.Username, c.PasswordFile
	if d := c.Keepalive.D(); d > 0 {
		lc.Keepalive = d
	}
	if d := c.Heartbeat.D(); d > 0 {
		lc.Heartbeat = d
	}
	if d := c.CommandMaxAge.D(); d > 0 {
		lc.CmdMaxAge = d
	}
	if c.MaxInflight > 0 {
		lc.MaxInflight = c.MaxInflight
	}
	if c.OutboxMax > 0 {
		lc.OutboxMax = c.OutboxMax
	}
	lc.Version = version
	return lc, true
}

// newLink builds the cloud link, or returns nil for a local-only box.
func (d *Daemon) newLink(cfg *config.File) (*cloudlink.Link, error) {
	lc, ok := linkConfig(cfg, Version)
	if !ok {
		return nil, nil
	}
	wake, _ := d.pipe.Subscribe(256) // a wake-up only; the store is the record
	return cloudlink.New(lc, cloudlink.Deps{
		Store: d.store, Wake: wake, Acker: d.pipe, Health: d.pipe, Exec: linkExec{d},
		OnDelivered: d.alarmSent,
		Clock:       d.clock, Log: d.log,
	})
}

// alarmSent lights led_alarm_sent when the broker has an alarm (while the
// alarm is active). It runs on
// the link's goroutine, so the pipeline is asked without waiting for it.
func (d *Daemon) alarmSent(ev event.Event) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		id := ev.AlarmID
		if id == "" {
			id = ev.ID
		}
		if err := d.pipe.Delivered(ctx, id); err != nil {
			d.log.Warn("light led_alarm_sent", "err", err)
		}
	}()
}

// linkExec carries out the center's commands on this box.
type linkExec struct{ d *Daemon }

// SilenceSiren silences the siren through the rules, so that a later alarm
// with a siren sounds it again.
func (x linkExec) SilenceSiren(ctx context.Context) error {
	return x.d.pipe.Exec(ctx, func(now time.Time, eval gateway.Evaluator) []gateway.Action {
		if s, ok := eval.(gateway.Silencer); ok {
			return s.Silence(now)
		}
		return []gateway.Action{{Output: "siren", On: false}}
	})
}

func (x linkExec) Reset(ctx context.Context) error {
	return x.d.pipe.Reset(ctx)
}

func (x linkExec) ReplaceRules(ctx context.Context, rules []byte) error {
	return x.d.ReplaceRules(ctx, rules)
}

// SelfTest reports what the box can check without disturbing the home:
// each sensor's health, whether each output (siren, LEDs) could be opened,
// and whether the event loop is turning. It sounds nothing: a remote siren
// test at 3 a.m. would frighten the person it protects.
func (x linkExec) SelfTest(context.Context) (any, error) {
	loopAge := x.d.clock.Since(x.d.pipe.Alive())
	return map[string]any{
		"event_loop_age_s": loopAge.Seconds(),
		"sensors":          x.d.pipe.Health(),
		"outputs":          x.d.Outputs(),
	}, nil
}

// LinkState reports the cloud link's state for the local API; ok is false
// on a local-only box.
func (d *Daemon) LinkState() (api.LinkStatus, bool) {
	if d.link == nil {
		return api.LinkStatus{}, false
	}
	return linkStatus(d.link.State()), true
}

// Link is the cloud link, or nil on a local-only box.
func (d *Daemon) Link() *cloudlink.Link { return d.link }
