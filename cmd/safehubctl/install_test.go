package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/center"
	"github.com/safehub-iot/safehub/center/alarmdb"
	"github.com/safehub-iot/safehub/center/broker"
	"github.com/safehub-iot/safehub/center/broker/pkitest"
	"github.com/safehub-iot/safehub/cloudlink/brokertest"
	"github.com/safehub-iot/safehub/firmware-sim/serialsim"
	"github.com/safehub-iot/safehub/gateway/api"
)

// startCenter runs the whole center console in production mode: its
// embedded broker takes only client certificates from the device CA, and the
// center connects with its own certificate.
func startCenter(tb testing.TB, ca *pkitest.CA) *center.Center {
	tb.Helper()
	mqttAddr := fmt.Sprintf("127.0.0.1:%d", brokertest.FreePort(tb))
	c, err := center.Start(context.Background(), center.Config{
		DBPath:   filepath.Join(tb.TempDir(), "center.db"),
		HTTPAddr: "127.0.0.1:0",
		MQTTAddr: mqttAddr,
		BrokerTLS: &tls.Config{
			Certificates: []tls.Certificate{ca.Issue(tb, "127.0.0.1")},
			ClientCAs:    ca.Pool,
			ClientAuth:   tls.RequireAndVerifyClientCert,
		},
		ClientTLS: &tls.Config{
			RootCAs:      ca.Pool,
			Certificates: []tls.Certificate{ca.Issue(tb, broker.CenterUser)},
		},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.NoError(tb, err)
	tb.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// TestProvisionFromEmptyToRunning follows docs/install.md, "Provisioning a
// box with safehubctl": a template with the home's sensors, provision
// --check against the center's TLS broker, start safehubd, status, the box
// online at the center, and a test alarm's round trip.
func TestProvisionFromEmptyToRunning(t *testing.T) {
	ca := pkitest.NewCA(t, "center device CA")
	c := startCenter(t, ca)
	url := c.BrokerURL()
	caFile, certFile, keyFile := ca.WriteFiles(t, t.TempDir(), "flat-12b")
	br, err := serialsim.NewRFBridge()
	require.NoError(t, err)
	t.Cleanup(func() { br.Close() })
	dir, err := os.MkdirTemp("", "shc")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	template := filepath.Join(dir, "example.yaml")
	writeTemplate(t, "testdata/home.yaml", template, map[string]string{"Dir": dir, "Bridge": br.Path()})
	b := &box{dir: dir, config: filepath.Join(dir, "safehub.yaml"), socket: filepath.Join(dir, "api.sock"), bridge: br}

	// Step 2: the template's sensors are valid.
	code, out, errOut := runCLI(t, "config", "validate", "--file", template)
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "config is valid")

	// Step 3: provision, checking the credentials first.
	code, out, errOut = runCLI(t, "provision", "--config", b.config, "--template", template,
		"--site", "flat-12b", "--broker", url, "--ca", caFile, "--cert", certFile, "--key", keyFile, "--check")
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	require.Contains(t, out, "ok     ACL publish")
	require.Contains(t, out, "saved "+b.config)

	// Step 4: start the daemon; status shows the provisioned box.
	b.start(t)
	code, out, errOut = runCLI(t, "--socket", b.socket, "status", "--json")
	require.Equal(t, exitOK, code, errOut)
	var st api.Status
	require.NoError(t, json.Unmarshal([]byte(out), &st))
	require.Equal(t, "flat-12b", st.Site)
	require.Equal(t, []string{url}, st.Link.Brokers)
	require.Len(t, st.Sensors, 2)

	// Step 5: the box shows online at the center.
	require.Eventually(t, func() bool {
		homes, err := c.DB().Homes(context.Background())
		if err != nil {
			return false
		}
		for _, h := range homes {
			if h.Site == "flat-12b" && h.Online {
				return true
			}
		}
		return false
	}, 20*time.Second, 50*time.Millisecond, "the box never showed online at the center; its log:\n%s", b.log)
	code, out, errOut = runCLI(t, "--socket", b.socket, "status")
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "connected")

	// Step 6: a test alarm goes to the center, which acknowledges it (a
	// commissioning test dispatches no one), and the round trip is printed.
	code, out, errOut = runCLI(t, "--socket", b.socket, "alarm", "test", "--timeout", "20s")
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s\nbox log:\n%s", out, errOut, b.log)
	require.Contains(t, strings.ToLower(out), "acknowledged")
	isTest := true
	alarms, err := c.Alarms(context.Background(), alarmdb.Filter{Test: &isTest})
	require.NoError(t, err)
	require.Len(t, alarms, 1)
	require.Equal(t, center.TestAlarmOperator, alarms[0].AckedBy)
	real := false
	alarms, err = c.Alarms(context.Background(), alarmdb.Filter{Test: &real})
	require.NoError(t, err)
	require.Empty(t, alarms, "a test alarm is never counted as a real one")
}
