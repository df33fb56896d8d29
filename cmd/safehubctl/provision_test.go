package main

import (
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/center/broker"
	"github.com/safehub-iot/safehub/center/broker/pkitest"
	"github.com/safehub-iot/safehub/gateway/config"
)

// centerBroker starts the center's broker with TLS and client certificates
// from ca, and the district ACL.
func centerBroker(tb testing.TB, ca *pkitest.CA) string {
	tb.Helper()
	b, err := broker.Start(broker.Config{
		Addr: "127.0.0.1:0",
		TLS: &tls.Config{
			Certificates: []tls.Certificate{ca.Issue(tb, "broker")},
			ClientCAs:    ca.Pool,
			ClientAuth:   tls.RequireAndVerifyClientCert,
		},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.NoError(tb, err)
	tb.Cleanup(func() { b.Close() })
	return "ssl://" + b.Addr()
}

// closedPort is a loopback port nothing listens on.
func closedPort(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestProvisionCheck(t *testing.T) {
	center := pkitest.NewCA(t, "center device CA")
	other := pkitest.NewCA(t, "some other CA")
	url := centerBroker(t, center)
	creds := t.TempDir()
	goodCA, goodCert, goodKey := center.WriteFiles(t, creds, "flat-1")
	otherCA, otherCert, otherKey := other.WriteFiles(t, t.TempDir(), "flat-1")
	_, badCNCert, badCNKey := center.WriteFiles(t, t.TempDir(), "Not A Site")

	tests := []struct {
		name          string
		site          string
		broker        string
		ca, cert, key string
		wantCode      int
		wantStep      string // the step reported FAILED
		wantMsg       string
	}{
		{name: "all good", site: "flat-1", broker: url, ca: goodCA, cert: goodCert, key: goodKey, wantCode: exitOK},
		{name: "wrong CA", site: "flat-1", broker: url, ca: otherCA, cert: goodCert, key: goodKey, wantCode: exitCheck,
			wantStep: "TLS verify", wantMsg: `signed by an unknown authority (issued by "center device CA"): the --ca file is not the center's CA`},
		{name: "client certificate from another CA", site: "flat-1", broker: url, ca: goodCA, cert: otherCert, key: otherKey, wantCode: exitCheck,
			wantStep: "TLS client certificate", wantMsg: "the broker refused the box's client certificate"},
		{name: "certificate is not a site's", site: "flat-1", broker: url, ca: goodCA, cert: badCNCert, key: badCNKey, wantCode: exitCheck,
			wantStep: "MQTT auth", wantMsg: "CONNACK refused the connection: not authorised (code 5)"},
		{name: "site id does not match the certificate", site: "flat-2", broker: url, ca: goodCA, cert: goodCert, key: goodKey, wantCode: exitCheck,
			wantStep: "ACL subscribe", wantMsg: "subscribe to safehub/v1/flat-2/cmd refused (SUBACK 0x80)"},
		{name: "nothing listening", site: "flat-1", broker: "ssl://" + closedPort(t), ca: goodCA, cert: goodCert, key: goodKey, wantCode: exitCheck,
			wantStep: "TCP", wantMsg: "connection refused: nothing listens on port"},
		{name: "unknown host", site: "flat-1", broker: "ssl://center.invalid:8883", ca: goodCA, cert: goodCert, key: goodKey, wantCode: exitCheck,
			wantStep: "DNS", wantMsg: "center.invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cfgPath := filepath.Join(dir, "safehub.yaml")
			code, out, errOut := runCLI(t, "provision", "--config", cfgPath, "--template", "testdata/template.yaml",
				"--site", tt.site, "--broker", tt.broker, "--ca", tt.ca, "--cert", tt.cert, "--key", tt.key,
				"--check", "--check-timeout", "5s")
			require.Equal(t, tt.wantCode, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			if tt.wantCode != exitOK {
				require.Contains(t, errOut, "check failed; nothing was saved")
				require.Regexp(t, fmt.Sprintf(`FAILED %s\s+.*%s`, tt.wantStep, regexp.QuoteMeta(tt.wantMsg)), out)
				require.Equal(t, 1, lines(out, "FAILED"), out)
				require.NoFileExists(t, cfgPath)
				require.NoDirExists(t, filepath.Join(dir, "tls"))
				return
			}
			for _, step := range []string{"DNS", "TCP", "TLS verify", "TLS client certificate", "MQTT auth", "ACL subscribe", "ACL publish"} {
				require.Regexp(t, `ok\s+`+step, out)
			}
			require.NotContains(t, out+errOut, "PRIVATE KEY", "the key is never printed")
			cfg, err := config.Load(cfgPath)
			require.NoError(t, err)
			require.Equal(t, "flat-1", cfg.Site.ID)
			require.Equal(t, []string{url}, cfg.Cloud.Brokers)
			require.Equal(t, filepath.Join(dir, "tls", "flat-1.key"), cfg.Cloud.TLS.Key)
			for path, mode := range map[string]os.FileMode{cfgPath: 0o640, cfg.Cloud.TLS.Key: 0o600, cfg.Cloud.TLS.CA: 0o644} {
				fi, err := os.Stat(path)
				require.NoError(t, err)
				require.Equal(t, mode, fi.Mode().Perm(), path)
			}
			data, err := os.ReadFile(cfgPath)
			require.NoError(t, err)
			require.Contains(t, string(data), "# SafeHub box config template", "comments kept")
		})
	}
}
