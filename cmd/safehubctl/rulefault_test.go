package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"periph.io/x/conn/v3/gpio"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/gateway/api"
)

const chatterRules = `
rules:
  - id: button-chatter
    kind: health
    sensors: [button]
    chatter: {changes: 2, per: 1m}
`

// A fault the rules find (the call button's line chattering, a loose wire)
// shows in `safehubctl status`, with its reason, though the gpio driver
// reports the pin fine.
func TestStatusShowsRuleFoundFault(t *testing.T) {
	b := startSimBox(t, nil)
	require.NoError(t, b.d.ReplaceRules(context.Background(), []byte(chatterRules)))
	button := func() gateway.SensorHealth {
		for _, s := range b.d.Pipeline().Health() {
			if s.ID == "button" {
				return s
			}
		}
		return gateway.SensorHealth{}
	}
	for i := range 4 { // pressed, released, ...: past the 20 ms debounce each time
		level, want := gpio.Low, 1.0
		if i%2 == 1 {
			level, want = gpio.High, 0
		}
		b.hw.Pins.Set("GPIO17", level)
		require.Eventually(t, func() bool {
			b.clock.Advance(10 * time.Millisecond)
			h := button()
			return h.Last != nil && h.Last[gateway.QActive] == want
		}, 5*time.Second, time.Millisecond, "button reading %v", want)
	}
	var fault event.Event
	require.Eventually(t, func() bool {
		evs, err := b.d.Store().Events(context.Background(), 0, 1000)
		if err != nil {
			return false
		}
		for _, ev := range evs {
			if ev.Kind == event.SensorFault && ev.Sensor == "button" {
				fault = ev
				return true
			}
		}
		return false
	}, 5*time.Second, time.Millisecond, "the chatter rule's fault event")
	require.Equal(t, "button-chatter", fault.Rule)
	require.NotEmpty(t, fault.Message)

	code, out, errOut := runCLI(t, "--socket", b.socket, "status", "--json")
	require.Equal(t, exitOK, code, errOut)
	var st api.Status
	require.NoError(t, json.Unmarshal([]byte(out), &st))
	var got gateway.SensorHealth
	for _, s := range st.Sensors {
		if s.ID == "button" {
			got = s
		}
	}
	require.Equal(t, event.HealthFault, got.Health, "status sensors: %+v", st.Sensors)
	require.Equal(t, fault.Message, got.Reason)

	code, out, errOut = runCLI(t, "--socket", b.socket, "status")
	require.Equal(t, exitOK, code, errOut)
	var line string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "button ") {
			line = l
		}
	}
	require.Contains(t, line, "fault: "+fault.Message, "status:\n%s", out)
}
