package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/safehub-iot/safehub/center"
	"github.com/safehub-iot/safehub/center/alarmdb"
	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/firmware-sim/scenario"
	"github.com/safehub-iot/safehub/firmware-sim/simhome"
	"github.com/safehub-iot/safehub/gateway"
)

// defaultDay is the date a scenario without one runs on: a Monday in
// November, away from daylight-saving changes.
var defaultDay = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

// warmUp is the simulated time the home runs before a scenario's first
// step: drivers open, the gas sensor warms up, the link connects.
const warmUp = 2 * time.Minute

// drainLimit bounds the real time spent waiting, after the timeline, for
// everything the home committed to reach the center.
const drainLimit = 30 * time.Second

// coarseStep is how far the fake clock moves at a time while nothing
// happens: the gas sensor then samples once per step (1 s) instead of every
// second, which no rule's timing depends on at this scale.
const coarseStep = time.Second

// outcome is what reached the center, and how it compares with what the
// scenario declares.
type outcome struct {
	Alarms     []scenario.Alarm
	Events     []scenario.Event
	Mismatches []string
}

// stack is a center on its embedded broker with one home behind a proxy,
// the parts every scenario run and the demo share.
type stack struct {
	center *center.Center
	proxy  *simhome.Proxy
	home   *simhome.Home
}

type stackOptions struct {
	configPath string
	dir        string
	clock      gateway.Clock
	log        *slog.Logger
	httpAddr   string // default 127.0.0.1:0
	mqttAddr   string // default 127.0.0.1:0
	operators  map[string]string
	onAlarm    func(alarmdb.Alarm)
}

func startStack(ctx context.Context, o stackOptions) (_ *stack, err error) {
	if o.httpAddr == "" {
		o.httpAddr = "127.0.0.1:0"
	}
	if o.mqttAddr == "" {
		o.mqttAddr = "127.0.0.1:0"
	}
	s := &stack{}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	s.center, err = center.Start(ctx, center.Config{
		DBPath: filepath.Join(o.dir, "center.db"), HTTPAddr: o.httpAddr, MQTTAddr: o.mqttAddr,
		Operators: o.operators, OnAlarm: o.onAlarm, Tick: time.Second, Log: o.log.With("component", "center"),
	})
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(s.center.BrokerURL())
	if err != nil {
		return nil, fmt.Errorf("center broker url: %w", err)
	}
	if s.proxy, err = simhome.NewProxy(u.Host); err != nil {
		return nil, err
	}
	s.home, err = simhome.Start(ctx, simhome.Options{
		ConfigPath: o.configPath, Dir: filepath.Join(o.dir, "home"), BrokerURL: s.proxy.URL(), Network: s.proxy,
		Clock: o.clock, Log: o.log.With("component", "home"),
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

func (s *stack) close() error {
	var errs []error
	if s.home != nil {
		errs = append(errs, s.home.Close())
	}
	if s.proxy != nil {
		errs = append(errs, s.proxy.Close())
	}
	if s.center != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		errs = append(errs, s.center.Close(ctx))
	}
	return errors.Join(errs...)
}

// scenarioStart is when sc begins on the home's clock.
func scenarioStart(cfgPath, dir string, sc *scenario.Scenario) (time.Time, error) {
	_, cfg, err := simhome.PrepareConfig(cfgPath, dir, simhome.Link{})
	if err != nil {
		return time.Time{}, err
	}
	loc, err := time.LoadLocation(cfg.Site.Timezone)
	if err != nil {
		return time.Time{}, fmt.Errorf("site.timezone: %w", err)
	}
	day := sc.Day
	if day.IsZero() {
		day = defaultDay
	}
	s := int(sc.Start / time.Second)
	return time.Date(day.Year(), day.Month(), day.Day(), s/3600, s/60%60, s%60, 0, loc), nil
}

// runScenario runs one home through sc on a fake clock, with the center on
// its embedded broker, and checks what reached the center. out, if set,
// gets a line per step and per alarm at the center.
func runScenario(ctx context.Context, cfgPath string, sc *scenario.Scenario, out io.Writer, log *slog.Logger) (outcome, error) {
	dir, err := os.MkdirTemp("", "safehub-sim-")
	if err != nil {
		return outcome{}, err
	}
	defer os.RemoveAll(dir)
	start, err := scenarioStart(cfgPath, filepath.Join(dir, "home"), sc)
	if err != nil {
		return outcome{}, err
	}
	clock := clockwork.NewFakeClockAt(start.Add(-warmUp))
	if out != nil {
		out = &syncWriter{w: out}
	}
	printf := func(format string, args ...any) {
		if out != nil {
			fmt.Fprintf(out, format, args...)
		}
	}
	s, err := startStack(ctx, stackOptions{configPath: cfgPath, dir: dir, clock: clock, log: log,
		onAlarm: func(a alarmdb.Alarm) {
			printf("  center: alarm %s from %s (rule %s, %s)\n", a.Severity, a.Sensor, a.Rule, a.Message)
		}})
	if err != nil {
		return outcome{}, err
	}
	defer s.close()

	pipe := s.home.Daemon.Pipeline()
	if out != nil {
		evs, unsubscribe := pipe.Subscribe(1024)
		printed := make(chan struct{})
		go func() { defer close(printed); printEvents(out, evs, start) }()
		defer func() { unsubscribe(); <-printed }()
	}
	tl := &scenario.FakeTimeline{Clock: clock, Coarse: coarseStep, Busy: time.Second, Settle: s.home.Sync}
	if err := tl.Advance(ctx, warmUp); err != nil {
		return outcome{}, err
	}
	for _, h := range s.home.Daemon.Pipeline().Health() {
		if h.Health == event.HealthFault {
			return outcome{}, fmt.Errorf("sensor %s is faulty before the scenario starts: %s", h.ID, h.Reason)
		}
	}
	err = scenario.Play(ctx, sc, s.home, tl, func(op scenario.Op) {
		what := string(op.Step.Do)
		if op.Phase == scenario.End {
			what += " ends"
		}
		printf("  %8v  %-16s %s\n", op.At, what, op.Step.Device)
	})
	if err != nil {
		return outcome{}, err
	}
	if err := s.home.Err(); err != nil {
		return outcome{}, err
	}
	if err := drain(ctx, s, clock); err != nil {
		return outcome{}, err
	}
	return collect(ctx, s, sc.Expect)
}

// drain keeps the home's clock moving until the center has every event the
// home committed (its outbox empty and the center holding its last seq).
func drain(ctx context.Context, s *stack, clock *clockwork.FakeClock) error {
	deadline := time.Now().Add(drainLimit)
	st := s.home.Daemon.Store()
	for i := 0; ; i++ {
		clock.Advance(100 * time.Millisecond)
		time.Sleep(2 * time.Millisecond)
		if i%25 != 0 {
			continue
		}
		depth, _, err := st.OutboxDepth(ctx)
		if err != nil {
			return err
		}
		last, err := st.LastSeq(ctx)
		if err != nil {
			return err
		}
		have, err := centerLastSeq(ctx, s.center, s.home.Site)
		if err != nil {
			return err
		}
		if depth == 0 && have >= last {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %v the center has events up to seq %d of %d (%d still in the home's outbox)", drainLimit, have, last, depth)
		}
	}
}

func centerLastSeq(ctx context.Context, c *center.Center, site string) (int64, error) {
	hist, err := c.DB().History(ctx, site, 0)
	if err != nil {
		return 0, err
	}
	var last int64
	for _, in := range hist {
		last = max(last, in.Event.Seq)
	}
	return last, nil
}

// collect reads what the center stored for the home and checks it.
func collect(ctx context.Context, s *stack, want scenario.Expect) (outcome, error) {
	var o outcome
	alarms, err := s.center.Alarms(ctx, alarmdb.Filter{Site: s.home.Site})
	if err != nil {
		return o, err
	}
	for _, a := range alarms {
		o.Alarms = append(o.Alarms, scenario.Alarm{Rule: a.Rule, Sensor: a.Sensor, SensorKind: a.SensorKind, Severity: a.Severity, State: a.BoxState, Repeats: a.Repeats})
	}
	hist, err := s.center.DB().History(ctx, s.home.Site, 0)
	if err != nil {
		return o, err
	}
	for _, in := range hist {
		if ev := in.Event; !ev.Kind.IsAlarm() {
			o.Events = append(o.Events, scenario.Event{Kind: string(ev.Kind), Sensor: ev.Sensor, SensorKind: ev.SensorKind, Severity: string(ev.Severity)})
		}
	}
	o.Mismatches = scenario.Check(want, o.Alarms, o.Events)
	return o, nil
}

// printEvents prints the home's committed events (not the routine ones) as
// offsets from the scenario's start, until evs is closed.
func printEvents(out io.Writer, evs <-chan event.Event, start time.Time) {
	for ev := range evs {
		if ev.Kind == event.InfoEvent {
			continue
		}
		fmt.Fprintf(out, "  %8v  home: %s %s %s: %s\n", ev.Time.Sub(start).Round(time.Millisecond), ev.Severity, ev.Kind, ev.Sensor, ev.Message)
	}
}

// syncWriter serializes writes from the player, the home's event printer
// and the center's alarm hook.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
