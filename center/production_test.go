package center

import (
	"context"
	"crypto/tls"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/center/alarmdb"
	"github.com/safehub-iot/safehub/center/broker"
	"github.com/safehub-iot/safehub/center/broker/districttest"
	"github.com/safehub-iot/safehub/center/broker/pkitest"
	"github.com/safehub-iot/safehub/cloudlink/protocol"
)

// TestProductionBrokers runs the center in its production setups, with
// client certificates from a device CA: the embedded broker in TLS mode,
// and an external Mosquitto running configs/center. A box's alarm arrives
// and the operator's acknowledgement reaches the box.
func TestProductionBrokers(t *testing.T) {
	setups := []struct {
		name     string
		external bool
	}{
		{name: "embedded broker with mTLS"},
		{name: "external mosquitto from configs/center", external: true},
	}
	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) {
			ca := pkitest.NewCA(t, "SafeHub device CA")
			cfg := Config{ClientTLS: &tls.Config{RootCAs: ca.Pool, Certificates: []tls.Certificate{ca.Issue(t, broker.CenterUser)}, MinVersion: tls.VersionTLS12}}
			if s.external {
				cfg.BrokerURL = districttest.StartMosquitto(t, ca)
			} else {
				cfg.BrokerTLS = &tls.Config{Certificates: []tls.Certificate{ca.Issue(t, "broker")}, ClientCAs: ca.Pool,
					ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12}
			}
			c := startCenter(t, cfg)
			require.Contains(t, c.BrokerURL(), "ssl://")
			h := newTLSHome(t, c.BrokerURL(), "rose-12", &tls.Config{RootCAs: ca.Pool, Certificates: []tls.Certificate{ca.Issue(t, "rose-12")}, MinVersion: tls.VersionTLS12})
			h.publish(t, alarm("rose-12", 1, time.Now()))
			require.Eventually(t, func() bool {
				as, err := c.Alarms(context.Background(), alarmdb.Filter{})
				return err == nil && len(as) == 1
			}, 10*time.Second, 10*time.Millisecond, "alarm stored")
			_, err := c.Acknowledge(context.Background(), "rose-12-0001", "anna")
			require.NoError(t, err)
			if cmd := waitCmd(t, h); cmd.Cmd != protocol.CmdAck || cmd.AlarmID != "rose-12-0001" {
				t.Fatalf("box got %+v, want the ack of rose-12-0001", cmd)
			}
		})
	}
}
