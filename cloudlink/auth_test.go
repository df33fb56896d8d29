package cloudlink

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/cloudlink/brokertest"
	"github.com/safehub-iot/safehub/event"
)

// testPKI writes a CA, a server certificate for 127.0.0.1 and a client
// certificate for the site into dir, and returns their paths.
type testPKI struct{ ca, srvCert, srvKey, cliCert, cliKey string }

func newTestPKI(tb testing.TB, dir string) testPKI {
	tb.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(tb, err)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test center CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(tb, err)
	caCert, err := x509.ParseCertificate(caDER)
	require.NoError(tb, err)
	p := testPKI{ca: filepath.Join(dir, "ca.pem")}
	writePEM(tb, p.ca, "CERTIFICATE", caDER)
	issue := func(name string, serial int64, usage x509.ExtKeyUsage, ips []net.IP) (string, string) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(tb, err)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: ips,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		require.NoError(tb, err)
		kder, err := x509.MarshalECPrivateKey(key)
		require.NoError(tb, err)
		cert, keyPath := filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
		writePEM(tb, cert, "CERTIFICATE", der)
		writePEM(tb, keyPath, "EC PRIVATE KEY", kder)
		return cert, keyPath
	}
	p.srvCert, p.srvKey = issue("broker", 2, x509.ExtKeyUsageServerAuth, []net.IP{net.ParseIP("127.0.0.1")})
	p.cliCert, p.cliKey = issue(testSite, 3, x509.ExtKeyUsageClientAuth, nil)
	return p
}

// countHandler counts log records with one message.
type countHandler struct {
	msg string
	n   atomic.Int64
}

func (h *countHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message == h.msg {
		h.n.Add(1)
	}
	return nil
}
func (h *countHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countHandler) WithGroup(string) slog.Handler      { return h }

func writePEM(tb testing.TB, path, typ string, der []byte) {
	tb.Helper()
	require.NoError(tb, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600))
}

// TestAuth: the link reaches a mosquitto that demands a client
// certificate (mTLS) or a user and password, and delivers an alarm; with
// the wrong secret it stays down.
func TestAuth(t *testing.T) {
	dir := t.TempDir()
	pki := newTestPKI(t, dir)
	pwFile := filepath.Join(dir, "passwd")
	out, err := exec.Command("/usr/bin/mosquitto_passwd", "-c", "-b", pwFile, testSite, "s3cret").CombinedOutput()
	require.NoError(t, err, "mosquitto_passwd: %s", out)
	goodPw, badPw := filepath.Join(dir, "pw"), filepath.Join(dir, "badpw")
	require.NoError(t, os.WriteFile(goodPw, []byte("s3cret\n"), 0o600))
	require.NoError(t, os.WriteFile(badPw, []byte("guess\n"), 0o600))

	tlsPort, pwPort := brokertest.FreePort(t), brokertest.FreePort(t)
	b := brokertest.StartMosquitto(t, brokertest.WithGlobalConfig("per_listener_settings true"), brokertest.WithConfig(
		fmt.Sprintf("listener %d 127.0.0.1", tlsPort),
		"cafile "+pki.ca, "certfile "+pki.srvCert, "keyfile "+pki.srvKey,
		"require_certificate true", "allow_anonymous true",
		fmt.Sprintf("listener %d 127.0.0.1", pwPort),
		"allow_anonymous false", "password_file "+pwFile,
	))
	tests := []struct {
		name     string
		cfg      func(*Config)
		wantConn bool
	}{
		{name: "mtls", wantConn: true, cfg: func(c *Config) {
			c.Brokers = []string{fmt.Sprintf("ssl://127.0.0.1:%d", tlsPort)}
			c.CAFile, c.CertFile, c.KeyFile = pki.ca, pki.cliCert, pki.cliKey
		}},
		{name: "tls without client cert", wantConn: false, cfg: func(c *Config) {
			c.Brokers = []string{fmt.Sprintf("ssl://127.0.0.1:%d", tlsPort)}
			c.CAFile = pki.ca
		}},
		{name: "password", wantConn: true, cfg: func(c *Config) {
			c.Brokers = []string{fmt.Sprintf("tcp://127.0.0.1:%d", pwPort)}
			c.Username, c.PasswordFile = testSite, goodPw
		}},
		{name: "wrong password", wantConn: false, cfg: func(c *Config) {
			c.Brokers = []string{fmt.Sprintf("tcp://127.0.0.1:%d", pwPort)}
			c.Username, c.PasswordFile = testSite, badPw
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			col := newCollector(t, b.URL(), "center-"+tt.name)
			st := openStore(t)
			wake := make(chan event.Event, 1)
			cfg := testConfig()
			tt.cfg(&cfg)
			want := appendEvents(t, st, wake, 1, event.AlarmRaised)
			failures := &countHandler{msg: "connect failed"}
			l := runLink(t, cfg, Deps{Store: st, Wake: wake, Log: slog.New(failures)})
			if !tt.wantConn {
				// Three attempts refused, and the alarm still waits in the
				// outbox.
				require.Eventually(t, func() bool { return failures.n.Load() >= 3 }, waitFor, tick)
				if st := l.State(); st.Connected || st.OutboxDepth != 1 {
					t.Fatalf("state with bad credentials = %+v; want down with the alarm kept", st)
				}
				return
			}
			require.Eventually(t, func() bool { return col.uniqueEvents() == 1 }, waitFor, tick)
			checkDelivery(t, col.events(), want)
		})
	}
}
