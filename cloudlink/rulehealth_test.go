package cloudlink

import (
	"context"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/cloudlink/brokertest"
	"github.com/safehub-iot/safehub/cloudlink/protocol"
	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/rules"
)

// TestHeartbeatShowsRuleFoundFault: a fault the rules find (a door contact
// chattering) is in the heartbeat the center gets, with its reason, though
// the driver itself reports the sensor fine.
func TestHeartbeatShowsRuleFoundFault(t *testing.T) {
	fc := clockwork.NewFakeClockAt(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	eng, err := rules.New([]rules.Rule{{ID: "chatter", Kind: rules.Health, Severity: event.High, Sensors: []string{"door"}, ChatterChanges: 2, ChatterPer: time.Minute}}, rules.Options{})
	require.NoError(t, err)
	st := openStore(t)
	p := gateway.NewPipeline(gateway.PipelineConfig{Site: testSite, Store: st, Evaluator: eng, Clock: fc, Log: quietLog(),
		Sensors: []gateway.SensorSpec{{ID: "door", Kind: event.Door, Room: "hall"}, {ID: "button", Kind: event.CallButton, Room: "bedroom"}}})
	events, unsub := p.Subscribe(64)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = p.Run(ctx) }()
	t.Cleanup(func() { unsub(); cancel(); <-done })

	em := p.Emitter("door")
	em.Status(gateway.Status{Health: event.HealthOK})
	for i := range 4 {
		em.Reading(gateway.Reading{Quantity: gateway.QActive, Value: float64(i % 2)})
	}
	var fault event.Event
	for ev := range events {
		if ev.Kind == event.SensorFault && ev.Sensor == "door" {
			fault = ev
			break
		}
	}
	require.NotEmpty(t, fault.Rule, "the fault is the chatter rule's")

	b := brokertest.Start(t, "mosquitto")
	col := newCollector(t, b.URL(), "center")
	runLink(t, testConfig(b.URL()), Deps{Store: st, Health: p, Clock: fc})
	require.Eventually(t, func() bool { return len(col.channel(protocol.Heartbeat)) > 0 }, waitFor, tick, "heartbeat on connect")
	hb, err := protocol.DecodeHeartbeat(col.channel(protocol.Heartbeat)[0].payload)
	require.NoError(t, err)
	got := map[string]protocol.SensorHealth{}
	for _, s := range hb.Sensors {
		got[s.ID] = s
	}
	require.Equal(t, event.HealthFault, got["door"].Health, "heartbeat sensors: %+v", hb.Sensors)
	require.Equal(t, fault.Message, got["door"].Reason)
	require.NotEmpty(t, got["door"].Reason)
	require.NotEqual(t, event.HealthFault, got["button"].Health)
}
