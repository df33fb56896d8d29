package smsfallback_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/drivers/gsm/gsmtest"
	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/firmware-sim/serialsim"
	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/gateway/smsfallback"
	"github.com/safehub-iot/safehub/gateway/store"
)

const wait, tick = 5 * time.Second, 5 * time.Millisecond

// newModem is the simulated modem and the real driver talking to it.
var newModem = gsmtest.NewModem

// world is the link and the alarm list as the fallback sees them.
type world struct {
	mu     sync.Mutex
	down   time.Time
	isDown bool
	alarms []event.Event
	calls  int
	// open, if set, lists the open alarms instead of alarms (a real store).
	open smsfallback.Alarms
}

func (w *world) DownSince() (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls++
	return w.down, w.isDown
}

func (w *world) OpenAlarms(ctx context.Context) ([]event.Event, error) {
	if w.open != nil {
		return w.open.OpenAlarms(ctx)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.alarms), nil
}

func (w *world) checks() int { w.mu.Lock(); defer w.mu.Unlock(); return w.calls }

type fallbackRig struct {
	sim      *serialsim.Modem
	clock    *clockwork.FakeClock
	w        *world
	mu       sync.Mutex
	statuses []gateway.Status
	stop     func() // stops the fallback and waits for it
}

func startFallback(tb testing.TB, setup func(*serialsim.Modem)) *fallbackRig {
	tb.Helper()
	return startFallbackWith(tb, setup, nil, &world{})
}

// startFallbackWith starts a fallback keeping its record of texts in sent
// (nil: in memory only), seeing the link and alarms of w.
func startFallbackWith(tb testing.TB, setup func(*serialsim.Modem), sent smsfallback.SentLog, w *world) *fallbackRig {
	tb.Helper()
	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	sim, m := newModem(tb, clock)
	// Commands must not time out while the test moves the clock in
	// 10s steps; timeouts have their own test.
	m.Timeout, m.SendTimeout = time.Hour, time.Hour
	setup(sim)
	r := &fallbackRig{sim: sim, clock: clock, w: w}
	cfg := smsfallback.Default()
	cfg.Port, cfg.Site, cfg.Numbers = sim.Path(), "Rosenweg 5, flat 3", []string{"+491701234567", "+8613800000000"}
	f := &smsfallback.Fallback{Config: cfg, Modem: m, Link: r.w, Alarms: r.w, Sent: sent, Clock: clock, Location: time.UTC,
		Status: func(s gateway.Status) { r.mu.Lock(); r.statuses = append(r.statuses, s); r.mu.Unlock() }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	var once sync.Once
	r.stop = func() {
		once.Do(func() {
			cancel()
			require.NoError(tb, <-done)
		})
	}
	tb.Cleanup(r.stop)
	// The start-up health check reports, then the ticker starts.
	require.Eventually(tb, func() bool { return len(r.health()) == 1 }, wait, tick, "no start-up health status")
	ctx2, cancel2 := context.WithTimeout(context.Background(), wait)
	defer cancel2()
	require.NoError(tb, clock.BlockUntilContext(ctx2, 1))
	return r
}

// step advances one check interval and waits for that check to start;
// the fallback's loop is sequential, so the check before it has finished.
func (r *fallbackRig) step(tb testing.TB) {
	tb.Helper()
	n := r.w.checks()
	r.clock.Advance(10 * time.Second)
	require.Eventually(tb, func() bool { return r.w.checks() > n }, wait, tick, "no check ran")
}

func (r *fallbackRig) health() []gateway.Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.statuses)
}

func TestLinkDownAlarmUnackedSendsOneSMS(t *testing.T) {
	r := startFallback(t, func(*serialsim.Modem) {})
	alarm := event.Event{ID: "019a-fall", Seq: 42, Kind: event.AlarmRaised, Severity: event.Critical,
		Time: r.clock.Now(), Sensor: "radar1", SensorKind: "fall", Room: "bedroom", Message: "fall detected"}
	r.w.mu.Lock()
	r.w.isDown, r.w.down = true, r.clock.Now()
	r.w.alarms = []event.Event{alarm}
	r.w.mu.Unlock()

	for range 11 { // 110s < link_down_after (2m): nothing yet
		r.step(t)
	}
	if n := len(r.sim.Messages()); n != 0 {
		t.Fatalf("%d SMS before the link was down 2m, want 0", n)
	}
	for range 10 { // past the limit, and nine checks more
		r.step(t)
	}
	want := "SafeHub ALARM Rosenweg 5, flat 3: fall - radar1, bedroom - 2026-11-23 10:00:00 UTC - seq 42. fall detected"
	got := r.sim.Messages()
	if wantSMS := []serialsim.SMS{{Number: "+491701234567", Text: want}, {Number: "+8613800000000", Text: want}}; !slices.Equal(got, wantSMS) {
		t.Errorf("SMS = %q\nwant %q", got, wantSMS)
	}
	if h := r.health(); len(h) != 1 || h[0].Health != event.HealthOK {
		t.Errorf("modem health = %+v, want one ok", h)
	}
}

func TestFailedSMSIsRetriedNotDuplicated(t *testing.T) {
	r := startFallback(t, func(*serialsim.Modem) {})
	r.w.mu.Lock()
	r.w.isDown, r.w.down = true, r.clock.Now().Add(-time.Hour)
	r.w.alarms = []event.Event{{ID: "a1", Seq: 7, Kind: event.AlarmRaised, Time: r.clock.Now(), Sensor: "pendant1", SensorKind: "pendant"}}
	r.w.mu.Unlock()
	r.sim.FailNextSend(330) // the first number fails once
	r.step(t)
	msgs := func() int { return len(r.sim.Messages()) }
	require.Eventually(t, func() bool { return msgs() == 1 }, wait, tick, "second number not texted")
	r.step(t) // the retry
	require.Eventually(t, func() bool { return msgs() == 2 }, wait, tick, "first number not retried")
	r.step(t)
	r.step(t) // barrier: the check before it has finished
	got := r.sim.Messages()
	if len(got) != 2 || got[0].Number != "+8613800000000" || got[1].Number != "+491701234567" {
		t.Errorf("SMS = %q, want the second number, then the first number's retry, and no more", got)
	}
}

func TestModemWithoutSIMIsOneFault(t *testing.T) {
	r := startFallback(t, func(m *serialsim.Modem) { m.SetSIM(false) })
	for range 31 { // past health_every (5m): checked again, no new status
		r.step(t)
	}
	h := r.health()
	if len(h) != 1 || h[0].Health != event.HealthFault || h[0].Reason != "gsm: no SIM card" || h[0].Sensor != "gsm" {
		t.Errorf("statuses = %+v, want one fault \"gsm: no SIM card\"", h)
	}
	r.sim.SetSIM(true)
	for range 30 {
		r.step(t)
	}
	if h := r.health(); len(h) != 2 || h[1].Health != event.HealthOK {
		t.Errorf("statuses = %+v, want recovery", h)
	}
}

func TestConfigValidate(t *testing.T) {
	ok := func(c *smsfallback.Config) {}
	tests := []struct {
		name  string
		edit  func(*smsfallback.Config)
		field string
	}{
		{"valid", ok, ""},
		{"no port", func(c *smsfallback.Config) { c.Port = "" }, "port"},
		{"no numbers", func(c *smsfallback.Config) { c.Numbers = nil }, "numbers"},
		{"bad number", func(c *smsfallback.Config) { c.Numbers = []string{"+49", "call me"} }, "numbers[0]"},
		{"duplicate number", func(c *smsfallback.Config) { c.Numbers = []string{"+4917012", "+4917012"} }, "numbers[1]"},
		{"no site", func(c *smsfallback.Config) { c.Site = "" }, "site"},
		{"link limit short", func(c *smsfallback.Config) { c.LinkDownAfter = time.Second }, "link_down_after"},
		{"check slower than limit", func(c *smsfallback.Config) { c.CheckEvery = time.Hour }, "check_every"},
		{"ack wait short", func(c *smsfallback.Config) { c.AckWithin = time.Second }, "ack_within"},
		{"unknown language", func(c *smsfallback.Config) { c.Language = "fr" }, "language"},
		{"chinese", func(c *smsfallback.Config) { c.Language = smsfallback.Chinese }, ""},
		{"signal out of range", func(c *smsfallback.Config) { c.MinSignal = 40 }, "min_signal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := smsfallback.Default()
			c.Port, c.Site, c.Numbers = "/dev/ttyUSB2", "home", []string{"+491701234567"}
			tc.edit(&c)
			err := c.Validate()
			if tc.field == "" {
				require.NoError(t, err)
				return
			}
			var fe *gateway.FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("err = %v, want a FieldError on %q", err, tc.field)
			}
		})
	}
}

// A box restarted during an outage (power cut, kill -9) remembers which
// numbers it already texted about which alarm: nobody gets the same alarm
// twice, and an alarm raised after the restart is still texted.
func TestRestartTextsNobodyTwice(t *testing.T) {
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "box.db"))
	require.NoError(t, err)
	defer st.Close()
	w := &world{}
	first := startFallbackWith(t, func(*serialsim.Modem) {}, st, w)
	w.mu.Lock()
	w.isDown, w.down = true, first.clock.Now().Add(-time.Hour)
	w.alarms = []event.Event{{ID: "a1", Seq: 7, Kind: event.AlarmRaised, Time: first.clock.Now(), Sensor: "pendant1", SensorKind: "pendant"}}
	w.mu.Unlock()
	first.step(t)
	require.Eventually(t, func() bool { return len(first.sim.Messages()) == 2 }, wait, tick, "alarm a1 not texted to both numbers")
	first.step(t) // barrier: the check that sent them has saved the record
	first.stop()

	second := startFallbackWith(t, func(*serialsim.Modem) {}, st, w)
	second.step(t)
	second.step(t)
	if got := second.sim.Messages(); len(got) != 0 {
		t.Fatalf("after the restart a1 was texted again: %q", got)
	}
	w.mu.Lock()
	w.alarms = append(w.alarms, event.Event{ID: "a2", Seq: 9, Kind: event.AlarmRaised, Time: second.clock.Now(), Sensor: "button", SensorKind: "call_button"})
	w.mu.Unlock()
	second.step(t)
	require.Eventually(t, func() bool { return len(second.sim.Messages()) == 2 }, wait, tick, "alarm a2 not texted after the restart")
	second.step(t)
	for _, m := range second.sim.Messages() {
		if !strings.Contains(m.Text, "seq 9") {
			t.Fatalf("after the restart: %q, want only alarm a2 (seq 9)", m)
		}
	}
}
