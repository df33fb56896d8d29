package center

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"periph.io/x/conn/v3/gpio"

	"github.com/safehub-iot/safehub/center/alarmdb"
	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/firmware-sim/simhome"
)

// TestResetLatchedSmokeFromConsole runs the demo home (the real daemon,
// rules, store and cloud link on simulated devices) against the center:
// smoke latches its alarm; smoke again is a repeat of that alarm, not a new
// one; the operator resets it over the console's HTTP API, which is
// audited and shown as confirmed only once the box replied; the siren
// stops; smoke after that is a new alarm.
func TestResetLatchedSmokeFromConsole(t *testing.T) {
	c := startCenter(t, Config{Operators: map[string]string{"anna": "correct-horse"}})
	ctx := context.Background()
	box := startDemoBox(t, c)
	const site, smoke, siren = "demo-home", "GPIO27", "GPIO5"
	smokeAlarms := func() []alarmdb.Alarm {
		as, err := c.Alarms(ctx, alarmdb.Filter{Site: site})
		require.NoError(t, err)
		var out []alarmdb.Alarm
		for _, a := range as {
			if a.Rule == "smoke" {
				out = append(out, a)
			}
		}
		return out
	}
	require.Eventually(t, func() bool {
		for _, s := range box.Daemon.Pipeline().Health() {
			if s.ID == "smoke-kitchen" {
				return s.Health == event.HealthOK && !s.LastSeen.IsZero()
			}
		}
		return false
	}, 20*time.Second, 10*time.Millisecond, "smoke detector ready")

	box.HW.Pins.Set(smoke, gpio.Low) // the detector's relay closes
	require.Eventually(t, func() bool { return len(smokeAlarms()) == 1 }, 20*time.Second, 10*time.Millisecond, "smoke reaches the center")
	first := smokeAlarms()[0]
	box.HW.Pins.Set(smoke, gpio.High)
	require.Eventually(t, func() bool { return smokeLevel(box) == 0 }, 20*time.Second, 10*time.Millisecond, "the box reads the smoke gone")
	box.HW.Pins.Set(smoke, gpio.Low) // smoke again, still latched
	require.Eventually(t, func() bool { as := smokeAlarms(); return len(as) == 1 && as[0].Repeats == 1 }, 20*time.Second, 10*time.Millisecond,
		"smoke again is a repeat of the active alarm at the center, not a new alarm")
	box.HW.Pins.Set(smoke, gpio.High)
	require.Eventually(t, func() bool { return smokeLevel(box) == 0 }, 20*time.Second, 10*time.Millisecond, "the box reads the smoke gone")
	require.Equal(t, gpio.High, box.HW.Pins.Level(siren), "latched: the siren sounds")

	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	cl := &http.Client{Jar: jar}
	post := func(path string, body any) *http.Response {
		b, _ := json.Marshal(body)
		resp, err := cl.Post(c.HTTPURL()+path, "application/json", bytes.NewReader(b))
		require.NoError(t, err)
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	require.Equal(t, http.StatusOK, post("/api/login", map[string]string{"name": "anna", "password": "correct-horse"}).StatusCode)
	resp := post("/api/alarms/"+first.ID+"/reset", struct{}{})
	require.Equal(t, http.StatusAccepted, resp.StatusCode)
	var asked alarmdb.Alarm
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&asked))
	require.NotNil(t, asked.Reset)
	require.Equal(t, "anna", asked.Reset.By)
	require.True(t, asked.Reset.Confirmed.IsZero(), "not confirmed before the box replied")

	require.Eventually(t, func() bool {
		as := smokeAlarms()
		return len(as) == 1 && as[0].Reset != nil && !as[0].Reset.Confirmed.IsZero() && as[0].BoxState == "cleared"
	}, 20*time.Second, 10*time.Millisecond, "the box confirms the reset and clears the alarm")
	require.Eventually(t, func() bool { return box.HW.Pins.Level(siren) == gpio.Low }, 20*time.Second, 10*time.Millisecond, "siren off")
	log, err := c.DB().AuditLog(ctx, 10)
	require.NoError(t, err)
	var actions []string
	for _, e := range log {
		if e.Target == first.ID {
			actions = append(actions, e.Operator+" "+e.Action)
		}
	}
	require.Equal(t, []string{"box demo-home reset_confirmed", "anna reset"}, actions, "audit log, newest first")

	box.HW.Pins.Set(smoke, gpio.Low) // smoke after the reset
	require.Eventually(t, func() bool { return len(smokeAlarms()) == 2 }, 20*time.Second, 10*time.Millisecond, "a new alarm")
	for _, a := range smokeAlarms() {
		if a.ID != first.ID {
			require.Equal(t, "active", a.BoxState)
			require.Zero(t, a.Repeats)
			require.Nil(t, a.Reset)
		}
	}
	require.NoError(t, box.Err())
}

// smokeLevel is the kitchen smoke input as the box last read it (-1 for
// not yet).
func smokeLevel(box *simhome.Home) float64 {
	for _, s := range box.Daemon.Pipeline().Health() {
		if v, ok := s.Last["active"]; ok && s.ID == "smoke-kitchen" {
			return v
		}
	}
	return -1
}
