package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/safehub-iot/safehub/internal/cli"
)

// Check steps, in order.
const (
	stepDNS    = "DNS"
	stepTCP    = "TCP"
	stepTLS    = "TLS verify"
	stepCert   = "TLS client certificate"
	stepAuth   = "MQTT auth"
	stepACLSub = "ACL subscribe"
	stepACLPub = "ACL publish"
)

// stepResult is one step of a broker check.
type stepResult struct {
	Step   string `json:"step"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// checkTarget is what provision --check connects with.
type checkTarget struct {
	Site      string
	TLS       *tls.Config // nil for tcp://
	User      string
	Password  string
	Timeout   time.Duration
	ClientTag string // client id suffix, so the box's own session is untouched
}

// checkBroker connects to one broker as the box would and reports each step
// up to the first failure.
func checkBroker(ctx context.Context, broker string, t checkTarget) []stepResult {
	s := &steps{}
	ok, fail := s.ok, s.fail
	u, err := url.Parse(broker)
	if err != nil {
		return fail(stepDNS, "broker %q is not a URL", broker)
	}
	host, port := u.Hostname(), u.Port()
	secure := u.Scheme == "ssl" || u.Scheme == "tls" || u.Scheme == "mqtts"
	if port == "" {
		port = "1883"
		if secure {
			port = "8883"
		}
	}
	ctx, cancel := context.WithTimeout(ctx, t.Timeout)
	defer cancel()

	if ip := net.ParseIP(host); ip != nil {
		ok(stepDNS, "%s is an address, no lookup needed", host)
	} else {
		addrs, err := net.DefaultResolver.LookupHost(ctx, host)
		if err != nil {
			var de *net.DNSError
			switch {
			case errors.As(err, &de) && de.IsNotFound:
				return fail(stepDNS, "%s: no such host (check the spelling, and the box's DNS server)", host)
			case errors.As(err, &de) && de.IsTimeout:
				return fail(stepDNS, "%s: the DNS server did not answer (is the box's network up?)", host)
			}
			return fail(stepDNS, "%s: %v", host, err)
		}
		ok(stepDNS, "%s is %s", host, strings.Join(addrs, ", "))
	}

	addr := net.JoinHostPort(host, port)
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		switch {
		case errors.Is(err, syscall.ECONNREFUSED):
			return fail(stepTCP, "%s: connection refused: nothing listens on port %s (wrong port, or the broker is down)", addr, port)
		case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
			return fail(stepTCP, "%s: no answer within %s (a firewall dropping port %s, or the wrong address)", addr, t.Timeout, port)
		}
		return fail(stepTCP, "%s: %v", addr, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	ok(stepTCP, "connected to %s", addr)

	var mqttConn net.Conn = conn
	if secure {
		if t.TLS == nil {
			return fail(stepTLS, "%s is a TLS broker but no --ca was given", broker)
		}
		cfg := t.TLS.Clone()
		cfg.ServerName = host
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			if step, msg := classifyTLS(err, host); step != "" {
				return fail(step, "%s", msg)
			}
			return fail(stepTLS, "handshake with %s: %v", addr, err)
		}
		st := tc.ConnectionState()
		ok(stepTLS, "broker certificate %q verified against --ca (%s)", st.PeerCertificates[0].Subject.CommonName, tls.VersionName(st.Version))
		mqttConn = tc
	} else if t.TLS != nil {
		ok(stepTLS, "skipped: %s is not a TLS broker (plain tcp://)", broker)
	}

	deadline, _ := ctx.Deadline()
	if res := mqttSteps(s, mqttConn, deadline, t, host); res != nil {
		return res
	}
	return s.out
}

// steps records the steps of a check.
type steps struct{ out []stepResult }

// ok records a step that passed.
func (s *steps) ok(step, format string, args ...any) {
	s.out = append(s.out, stepResult{Step: step, OK: true, Detail: fmt.Sprintf(format, args...)})
}

// fail records the step that failed and returns every step so far.
func (s *steps) fail(step, format string, args ...any) []stepResult {
	s.out = append(s.out, stepResult{Step: step, Detail: fmt.Sprintf(format, args...)})
	return s.out
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// classifyTLS names what a TLS error means for the technician, and the
// step it belongs to; "" when it is not a TLS error.
func classifyTLS(err error, host string) (step, msg string) {
	var (
		ua  x509.UnknownAuthorityError
		he  x509.HostnameError
		inv x509.CertificateInvalidError
	)
	switch {
	case errors.As(err, &ua):
		issuer := ""
		if ua.Cert != nil {
			issuer = fmt.Sprintf(" (issued by %q)", ua.Cert.Issuer.CommonName)
		}
		return stepTLS, "the broker's certificate is signed by an unknown authority" + issuer + ": the --ca file is not the center's CA"
	case errors.As(err, &he):
		names := strings.Join(he.Certificate.DNSNames, ", ")
		for _, ip := range he.Certificate.IPAddresses {
			names += " " + ip.String()
		}
		return stepTLS, fmt.Sprintf("the broker's certificate is for %s, not %s: use the broker's name as written on its certificate", strings.TrimSpace(names), host)
	case errors.As(err, &inv) && inv.Reason == x509.Expired:
		return stepTLS, fmt.Sprintf("the broker's certificate has expired or is not valid yet (%v): check the box's clock (date), then the broker's certificate", inv.Detail)
	case errors.As(err, &inv):
		return stepTLS, fmt.Sprintf("the broker's certificate is not valid: %v", err)
	}
	s := err.Error()
	if strings.Contains(s, "remote error: tls:") {
		return stepCert, "the broker refused the box's client certificate (" + s[strings.Index(s, "tls:"):] + "): is --cert issued by the center's device CA, and not expired?"
	}
	var oe *net.OpError
	if errors.As(err, &oe) && errors.Is(err, syscall.ECONNRESET) {
		return stepCert, "the broker reset the connection during TLS: it probably refused the box's client certificate"
	}
	return "", ""
}

// loadTLS reads the CA, certificate and key files; errors name the flag.
func loadTLS(ca, cert, key string) (*tls.Config, error) {
	if ca == "" && cert == "" && key == "" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, cli.Usagef("--ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, cli.Usagef("--ca %s: no PEM certificate in it (expected the center's CA certificate, -----BEGIN CERTIFICATE-----)", ca)
		}
		cfg.RootCAs = pool
	}
	if (cert == "") != (key == "") {
		return nil, cli.Usagef("--cert and --key go together: give both or neither")
	}
	if cert != "" {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, cli.Usagef("--cert %s / --key %s: %v", cert, key, err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}
