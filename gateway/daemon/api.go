package daemon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/safehub-iot/safehub/cloudlink"
	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/gateway/api"
	"github.com/safehub-iot/safehub/gateway/config"
	"github.com/safehub-iot/safehub/rules/rulesfile"
)

// Test alarms raised through the local API.
const (
	testAlarmRule   = "test-alarm"
	testAlarmSensor = "box"
)

// serveAPI runs the local API on the config's socket until ctx is done
// (one of d.extras).
func (d *Daemon) serveAPI(ctx context.Context) error {
	b := &apiBackend{d: d, started: d.clock.Now()}
	cfg := d.Config()
	srv, err := api.New(api.Config{
		Socket: cfg.API.Socket,
		Group:  cfg.API.Group,
		Backend: api.Backend{
			Status: b, Events: b, Alarms: b, Walk: d.pipe, Reload: b, Pair: d.pairer(), Outputs: b, Reset: d.pipe,
		},
		Clock: d.clock,
		Log:   d.log.With("component", "api"),
	})
	if err != nil {
		return err
	}
	return srv.Serve(ctx)
}

// apiBackend is the daemon as the local API sees it.
type apiBackend struct {
	d       *Daemon
	started time.Time
}

// linkStater is the cloud link's state, when the daemon has a link. The
// link's wiring (cloud.go) provides it as
//
//	func (d *Daemon) LinkState() (api.LinkStatus, bool) {
//		if d.link == nil {
//			return api.LinkStatus{}, false
//		}
//		return linkStatus(d.link.State()), true
//	}
type linkStater interface {
	LinkState() (api.LinkStatus, bool)
}

// linkStatus converts the cloud link's state for the local API.
func linkStatus(s cloudlink.State) api.LinkStatus {
	st := api.LinkStatus{
		State: api.LinkDisconnected, Broker: s.Broker, Since: s.Since, LastHeartbeat: s.LastHeartbeat,
		OutboxDepth: s.OutboxDepth, OldestUnsent: s.OldestUnsent,
	}
	if s.Connected {
		st.State = api.LinkConnected
	}
	return st
}

func (b *apiBackend) Status(ctx context.Context) (api.Status, error) {
	d := b.d
	cfg := d.Config()
	now := d.clock.Now()
	st := api.Status{
		Site: cfg.Site.ID, Version: Version, Started: b.started, UptimeS: now.Sub(b.started).Seconds(),
		TestMode: d.pipe.TestMode(), Sensors: d.pipe.Health(),
	}
	slices.SortFunc(st.Sensors, func(a, b gateway.SensorHealth) int { return strings.Compare(a.ID, b.ID) })
	st.Link = api.LinkStatus{State: api.LinkNotConfigured, Brokers: cfg.Cloud.Brokers}
	if ls, ok := any(d).(linkStater); ok {
		if l, ok := ls.LinkState(); ok {
			l.Brokers = cfg.Cloud.Brokers
			st.Link = l
			return st, nil
		}
	}
	n, oldest, err := d.store.OutboxDepth(ctx)
	if err != nil {
		return st, err
	}
	st.Link.OutboxDepth, st.Link.OldestUnsent = n, oldest
	return st, nil
}

func (b *apiBackend) Subscribe(buf int) (<-chan event.Event, func()) {
	return b.d.pipe.Subscribe(buf)
}

func (b *apiBackend) Events(ctx context.Context, after int64, limit int) ([]event.Event, error) {
	return b.d.store.Events(ctx, after, limit)
}

func (b *apiBackend) EventsSince(ctx context.Context, t time.Time, limit int) ([]event.Event, error) {
	return b.d.store.EventsSince(ctx, t, limit)
}

// RaiseTestAlarm closes the previous test alarm, if still active, and
// raises a new one: a box has one test alarm at a time.
func (b *apiBackend) RaiseTestAlarm(ctx context.Context) (event.Event, error) {
	ev := event.Event{
		ID: event.NewID(), Time: b.d.clock.Now(), Kind: event.AlarmRaised, Severity: event.Info,
		Sensor: testAlarmSensor, Rule: testAlarmRule, Test: true,
		Message: "commissioning test alarm from safehubctl: no one is to be sent",
	}
	err := b.d.pipe.Exec(ctx, func(now time.Time, _ gateway.Evaluator) []gateway.Action {
		clear := &event.Event{Kind: event.AlarmCleared, Severity: event.Info, Sensor: testAlarmSensor,
			Rule: testAlarmRule, Test: true, Message: "previous test alarm closed"}
		raise := ev
		return []gateway.Action{{Event: clear}, {Event: &raise}}
	})
	if err != nil {
		return ev, fmt.Errorf("raise test alarm: %w", err)
	}
	ev.AlarmID = ev.ID
	return ev, nil
}

func (b *apiBackend) AlarmProgress(ctx context.Context, alarmID string) (time.Time, time.Time, error) {
	return b.d.store.AlarmTimes(ctx, alarmID)
}

func (b *apiBackend) ValidateConfig(context.Context) (string, error) {
	path := b.d.opts.ConfigPath
	if _, err := config.Load(path); err != nil {
		return path, invalid(path, err)
	}
	return path, nil
}

func (b *apiBackend) ValidateRules(_ context.Context, content []byte) (string, error) {
	cfg := b.d.Config()
	env := RulesEnv(cfg)
	if content != nil {
		if _, err := rulesfile.Parse(bytes.NewReader(content), env); err != nil {
			return "", invalid("rules", err)
		}
		return "", nil
	}
	if cfg.Rules.File == "" {
		return "(built-in rules)", nil
	}
	if _, err := rulesfile.Load(cfg.Rules.File, env); err != nil {
		return cfg.Rules.File, invalid(cfg.Rules.File, err)
	}
	return cfg.Rules.File, nil
}

func (b *apiBackend) Reload(ctx context.Context) (string, error) {
	err := b.d.Reload(ctx)
	var ce config.Errors
	switch {
	case err == nil:
		return "", nil
	case strings.HasPrefix(err.Error(), "config reloaded"):
		return err.Error(), nil // reloaded; some changes need a restart
	case errors.As(err, &ce), strings.Contains(err.Error(), "rules file"):
		return "", invalid(b.d.opts.ConfigPath, err)
	}
	return "", err
}

// invalid marks mistakes in a file for the API (422).
func invalid(file string, err error) error {
	return fmt.Errorf("%s: %w:\n%w", file, api.ErrInvalid, err)
}
