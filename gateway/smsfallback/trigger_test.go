package smsfallback_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/firmware-sim/serialsim"
	"github.com/safehub-iot/safehub/gateway/smsfallback"
	"github.com/safehub-iot/safehub/gateway/store"
)

// An alarm cleared or cancelled at home has been handled: even with the
// link down for an hour it is not texted, while one still open is.
func TestHandledAtHomeIsNotTexted(t *testing.T) {
	for _, end := range []event.Kind{event.AlarmCleared, event.AlarmCancelled} {
		t.Run(string(end), func(t *testing.T) {
			ctx := context.Background()
			st, err := store.Open(ctx, filepath.Join(t.TempDir(), "box.db"))
			require.NoError(t, err)
			defer st.Close()
			w := &world{open: st}
			r := startFallbackWith(t, func(*serialsim.Modem) {}, nil, w)
			handled := &event.Event{ID: event.NewID(), Kind: event.AlarmRaised, Severity: event.Critical, Time: r.clock.Now(), Sensor: "radar1", SensorKind: "fall"}
			handled.AlarmID = handled.ID
			ended := &event.Event{ID: event.NewID(), Kind: end, Severity: event.Info, Time: r.clock.Now(), Sensor: "radar1", AlarmID: handled.ID}
			open := &event.Event{ID: event.NewID(), Kind: event.AlarmRaised, Severity: event.Critical, Time: r.clock.Now(), Sensor: "button", SensorKind: "call_button"}
			open.AlarmID = open.ID
			require.NoError(t, st.Append(ctx, handled, ended, open))
			w.mu.Lock()
			w.isDown, w.down = true, r.clock.Now().Add(-time.Hour)
			w.mu.Unlock()
			r.step(t)
			require.Eventually(t, func() bool { return len(r.sim.Messages()) == 2 }, wait, tick, "the open alarm was not texted")
			r.step(t)
			r.step(t)
			for _, m := range r.sim.Messages() {
				if !strings.Contains(m.Text, "call_button") {
					t.Errorf("texted %q, want only the open call_button alarm", m)
				}
			}
			if n := len(r.sim.Messages()); n != 2 {
				t.Errorf("%d SMS, want 2 (the open alarm to both numbers)", n)
			}
		})
	}
}

// With the link up, an escalation (the center did not acknowledge in time)
// texts the family at once, and each further escalation texts again.
func TestEscalationIsTexted(t *testing.T) {
	r := startFallback(t, func(*serialsim.Modem) {})
	raised := event.Event{ID: "a1", AlarmID: "a1", Seq: 5, Kind: event.AlarmRaised, Time: r.clock.Now(), Sensor: "button", SensorKind: "call_button"}
	r.w.mu.Lock()
	r.w.alarms = []event.Event{raised}
	r.w.mu.Unlock()
	r.step(t)
	r.step(t)
	require.Empty(t, r.sim.Messages(), "texted before the escalation")

	escalate := func(id string) {
		r.w.mu.Lock()
		r.w.alarms = append(r.w.alarms, event.Event{ID: id, AlarmID: "a1", Kind: event.AlarmEscalated, Time: r.clock.Now(), Sensor: "button"})
		r.w.mu.Unlock()
	}
	escalate("e1")
	r.step(t)
	require.Eventually(t, func() bool { return len(r.sim.Messages()) == 2 }, wait, tick, "escalation not texted")
	r.step(t)
	escalate("e2")
	r.step(t)
	require.Eventually(t, func() bool { return len(r.sim.Messages()) == 4 }, wait, tick, "second escalation not texted")
	r.step(t)
	got := r.sim.Messages()
	require.Len(t, got, 4)
	for i, want := range []string{"reminder 1", "reminder 1", "reminder 2", "reminder 2"} {
		if !strings.Contains(got[i].Text, want) {
			t.Errorf("SMS %d = %q, want %q", i, got[i].Text, want)
		}
	}
}

// With the link up, an alarm the center does not acknowledge within
// ack_within (5m) is texted: the broker has it, but nobody answers. One
// acknowledged in time is not.
func TestNoAckWithinLinkUp(t *testing.T) {
	tests := []struct {
		name    string
		ackedAt int // step after which the alarm is acknowledged; 0: never
		want    int // SMS after 35 steps (5m50s)
	}{
		{"never acknowledged", 0, 2},
		{"acknowledged after 4m50s", 29, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := startFallback(t, func(*serialsim.Modem) {})
			r.w.mu.Lock()
			r.w.alarms = []event.Event{{ID: "a1", AlarmID: "a1", Seq: 3, Kind: event.AlarmRaised, Time: r.clock.Now(), Sensor: "mains", SensorKind: "mains_power"}}
			r.w.mu.Unlock()
			for i := 1; i <= 35; i++ {
				r.step(t)
				if i == 29 {
					require.Empty(t, r.sim.Messages(), "texted before ack_within")
				}
				if i == tc.ackedAt {
					r.w.mu.Lock()
					r.w.alarms = nil
					r.w.mu.Unlock()
				}
			}
			if tc.want > 0 {
				require.Eventually(t, func() bool { return len(r.sim.Messages()) == tc.want }, wait, tick, "no SMS after ack_within")
			}
			r.step(t) // barrier
			if got := r.sim.Messages(); len(got) != tc.want {
				t.Errorf("SMS = %q, want %d", got, tc.want)
			}
		})
	}
}

func TestTextLanguages(t *testing.T) {
	ev := event.Event{Seq: 42, Time: time.Date(2026, 11, 23, 10, 35, 12, 0, time.UTC), Sensor: "radar1", SensorKind: "fall", Room: "bedroom", Message: "fall detected"}
	tests := []struct {
		name, lang string
		escalation int
		want       string
	}{
		{"english", smsfallback.English, 0, "SafeHub ALARM Rosenweg 5: fall - radar1, bedroom - 2026-11-23 10:35:12 UTC - seq 42. fall detected"},
		{"english escalated", smsfallback.English, 2, "SafeHub ALARM Rosenweg 5: fall - radar1, bedroom - 2026-11-23 10:35:12 UTC - seq 42, not acknowledged yet (reminder 2). fall detected"},
		{"chinese", smsfallback.Chinese, 0, "SafeHub 报警 Rosenweg 5：跌倒 - radar1, bedroom - 2026-11-23 10:35:12 UTC - 序号 42。fall detected"},
		{"chinese escalated", smsfallback.Chinese, 1, "SafeHub 报警 Rosenweg 5：跌倒 - radar1, bedroom - 2026-11-23 10:35:12 UTC - 序号 42，仍未确认（第 1 次提醒）。fall detected"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := smsfallback.Text(tc.lang, "Rosenweg 5", ev, tc.escalation, time.UTC); got != tc.want {
				t.Errorf("Text = %q\nwant %q", got, tc.want)
			}
		})
	}
}
