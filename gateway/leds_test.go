package gateway_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/gateway/store"
	"github.com/safehub-iot/safehub/rules"
)

// lamp is an output the test reads.
type lamp struct {
	mu sync.Mutex
	on bool
}

func (l *lamp) Set(on bool) error { l.mu.Lock(); l.on = on; l.mu.Unlock(); return nil }
func (l *lamp) lit() bool         { l.mu.Lock(); defer l.mu.Unlock(); return l.on }

// ledBox is a pipeline with the rules engine, a mains rule (an alarm at
// once, cleared when power is back) and a call button (cleared by the
// acknowledgement), and its two LEDs.
type ledBox struct {
	p           *gateway.Pipeline
	clock       *clockwork.FakeClock
	sent, help  *lamp
	raised      <-chan event.Event
	stop        func()
	mains, butt gateway.Emitter
}

func startLEDBox(t *testing.T, st *store.Store, clock *clockwork.FakeClock) *ledBox {
	t.Helper()
	eng, err := rules.New([]rules.Rule{
		{ID: "mains-lost", Kind: rules.Digital, Severity: event.Medium, Sensors: []string{"mains"}, Until: rules.UntilRelease},
		{ID: "call-button", Kind: rules.Digital, Severity: event.Critical, Sensors: []string{"button"}, Until: rules.UntilAck},
	}, rules.Options{})
	require.NoError(t, err)
	p := gateway.NewPipeline(gateway.PipelineConfig{Site: "rose-12", Store: st, Evaluator: eng, Clock: clock,
		Sensors: []gateway.SensorSpec{{ID: "mains", Kind: "mains_power"}, {ID: "button", Kind: "call_button"}},
		Log:     slog.New(slog.NewTextHandler(io.Discard, nil))})
	b := &ledBox{p: p, clock: clock, sent: &lamp{}, help: &lamp{}, mains: p.Emitter("mains"), butt: p.Emitter("button")}
	p.AddOutput("led-sent", gateway.LEDAlarmSent, b.sent)
	p.AddOutput("led-help", gateway.LEDHelpComing, b.help)
	evs, unsub := p.Subscribe(64)
	raised := make(chan event.Event, 64)
	go func() {
		for ev := range evs {
			if ev.Kind == event.AlarmRaised {
				raised <- ev
			}
		}
	}()
	b.raised = raised
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = p.Run(ctx) }()
	b.stop = func() { cancel(); <-done; unsub() }
	t.Cleanup(func() { cancel(); <-done })
	return b
}

// sync waits until the loop has handled everything queued before it.
func (b *ledBox) sync(t *testing.T) {
	t.Helper()
	require.NoError(t, b.p.Exec(context.Background(), func(time.Time, gateway.Evaluator) []gateway.Action { return nil }))
}

func (b *ledBox) leds(t *testing.T) [2]bool {
	b.sync(t)
	return [2]bool{b.sent.lit(), b.help.lit()}
}

// await waits for the LEDs to show want: a reading is queued apart from
// Exec, so the loop may take it after the next sync.
func (b *ledBox) await(t *testing.T, want [2]bool, msg string) {
	t.Helper()
	require.Eventually(t, func() bool { return b.leds(t) == want }, 5*time.Second, time.Millisecond, msg)
}

// The LEDs follow the alarms: "alarm sent" while a delivered alarm is
// active, "help is coming" while an acknowledged one is and for
// HelpComingFor after an acknowledgement; a commissioning test alarm lights
// no "help is coming". Both go off when no alarm needs them.
func TestLEDsFollowTheAlarms(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "box.db"))
	require.NoError(t, err)
	defer st.Close()
	b := startLEDBox(t, st, clockwork.NewFakeClockAt(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)))
	off, sentOnly, both, helpOnly := [2]bool{}, [2]bool{true, false}, [2]bool{true, true}, [2]bool{false, true}

	b.mains.Reading(gateway.Reading{Quantity: gateway.QActive, Value: 1})
	mains := <-b.raised
	require.Equal(t, off, b.leds(t), "raised, not yet at the broker")
	require.NoError(t, b.p.Delivered(ctx, mains.ID))
	require.Equal(t, sentOnly, b.leds(t), "at the broker")
	require.NoError(t, b.p.Acknowledge(ctx, mains.ID))
	require.Equal(t, both, b.leds(t), "acknowledged")
	b.mains.Reading(gateway.Reading{Quantity: gateway.QActive, Value: 0})
	b.await(t, helpOnly, "power back: the alarm is over, help is still on its way")
	b.clock.Advance(gateway.HelpComingFor)
	b.await(t, off, "help is coming goes off")

	b.p.SetTestMode(true)
	b.butt.Reading(gateway.Reading{Quantity: gateway.QActive, Value: 1})
	test := <-b.raised
	require.True(t, test.Test)
	require.NoError(t, b.p.Delivered(ctx, test.ID))
	require.NoError(t, b.p.Acknowledge(ctx, test.ID))
	require.Equal(t, off, b.leds(t), "a walk test's alarm, acknowledged: no help is coming")
}

// The LEDs come back after a restart: an active alarm that was delivered
// and acknowledged lights both again.
func TestLEDsComeBackAfterRestart(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "box.db"))
	require.NoError(t, err)
	defer st.Close()
	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	b := startLEDBox(t, st, clock)
	b.mains.Reading(gateway.Reading{Quantity: gateway.QActive, Value: 1})
	mains := <-b.raised
	require.NoError(t, b.p.Delivered(ctx, mains.ID))
	require.NoError(t, b.p.Acknowledge(ctx, mains.ID))
	b.sync(t)
	b.stop()

	clock.Advance(2 * gateway.HelpComingFor)
	b = startLEDBox(t, st, clock)
	require.Equal(t, [2]bool{true, true}, b.leds(t), "after the restart")
	b.mains.Reading(gateway.Reading{Quantity: gateway.QActive, Value: 0})
	b.await(t, [2]bool{}, "power back after the restart: both go off")
}
