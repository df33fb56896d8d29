package gateway_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/gateway/store"
	"github.com/safehub-iot/safehub/rules"
)

// smokeBox is a pipeline with a latched smoke rule, a reset button and the
// store whose outbox the cloud link sends.
type smokeBox struct {
	p            *gateway.Pipeline
	st           *store.Store
	smoke, reset gateway.Emitter
	alarms       <-chan event.Event
}

func startSmokeBox(t *testing.T) *smokeBox {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "box.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	eng, err := rules.New([]rules.Rule{
		{ID: "smoke", Kind: rules.Digital, Severity: event.Critical, Sensors: []string{"smoke"}, Until: rules.UntilReset, Siren: true},
	}, rules.Options{})
	require.NoError(t, err)
	p := gateway.NewPipeline(gateway.PipelineConfig{Site: "rose-12", Store: st, Evaluator: eng,
		Clock:   clockwork.NewFakeClockAt(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)),
		Sensors: []gateway.SensorSpec{{ID: "smoke", Kind: "smoke"}, {ID: "reset", Kind: event.ResetButton}},
		Log:     slog.New(slog.NewTextHandler(io.Discard, nil))})
	evs, unsub := p.Subscribe(64)
	alarms := make(chan event.Event, 64)
	go func() {
		for ev := range evs {
			if ev.Kind.IsAlarm() {
				alarms <- ev
			}
		}
	}()
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = p.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; unsub() })
	b := &smokeBox{p: p, st: st, smoke: p.Emitter("smoke"), reset: p.Emitter("reset"), alarms: alarms}
	b.smoke.Reading(gateway.Reading{Quantity: gateway.QActive, Value: 0}) // the idle baseline
	return b
}

func (b *smokeBox) next(t *testing.T) event.Event {
	t.Helper()
	select {
	case ev := <-b.alarms:
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no alarm event")
		return event.Event{}
	}
}

// Smoke latched until reset: smoke again while latched is a repeat of the
// active alarm, committed to the outbox for the center; a reset (from the
// center or the API, or the reset button at the box) clears it, and smoke
// after that is a new alarm with a new id.
func TestLatchedSmokeRepeatsThenResets(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reset func(t *testing.T, b *smokeBox)
	}{
		{name: "reset command", reset: func(t *testing.T, b *smokeBox) { require.NoError(t, b.p.Reset(context.Background())) }},
		{name: "reset button", reset: func(t *testing.T, b *smokeBox) {
			b.reset.Reading(gateway.Reading{Quantity: gateway.QActive, Value: 1})
			b.reset.Reading(gateway.Reading{Quantity: gateway.QActive, Value: 0})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := startSmokeBox(t)
			b.smoke.Reading(gateway.Reading{Quantity: gateway.QActive, Value: 1})
			first := b.next(t)
			require.Equal(t, event.AlarmRaised, first.Kind)
			b.smoke.Reading(gateway.Reading{Quantity: gateway.QActive, Value: 0})
			b.smoke.Reading(gateway.Reading{Quantity: gateway.QActive, Value: 1})
			again := b.next(t)
			require.Equal(t, event.AlarmRepeated, again.Kind, "smoke again while latched")
			require.Equal(t, first.ID, again.AlarmID, "the repeat belongs to the active alarm")
			require.NotEqual(t, first.ID, again.ID)

			pending, err := b.st.Pending(context.Background(), 100)
			require.NoError(t, err)
			var kinds []event.Kind
			for _, ev := range pending {
				kinds = append(kinds, ev.Kind)
				if ev.ID == again.ID {
					require.Equal(t, first.ID, ev.AlarmID, "as committed to the outbox")
				}
			}
			require.Equal(t, []event.Kind{event.AlarmRaised, event.AlarmRepeated}, kinds, "the outbox the cloud link sends")

			b.smoke.Reading(gateway.Reading{Quantity: gateway.QActive, Value: 0})
			tc.reset(t, b)
			cleared := b.next(t)
			require.Equal(t, event.AlarmCleared, cleared.Kind)
			require.Equal(t, first.ID, cleared.AlarmID)

			b.smoke.Reading(gateway.Reading{Quantity: gateway.QActive, Value: 1})
			fresh := b.next(t)
			require.Equal(t, event.AlarmRaised, fresh.Kind, "smoke after the reset")
			require.NotEqual(t, first.ID, fresh.AlarmID, "a new alarm")
		})
	}
}
