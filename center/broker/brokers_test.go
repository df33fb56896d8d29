package broker

import (
	"crypto/tls"
	"fmt"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/center/broker/districttest"
	"github.com/safehub-iot/safehub/center/broker/pkitest"
	"github.com/safehub-iot/safehub/cloudlink/protocol"
)

func startMosquitto(tb testing.TB, ca *pkitest.CA) string {
	tb.Helper()
	return districttest.StartMosquitto(tb, ca)
}

func startEmbedded(tb testing.TB, ca *pkitest.CA) string {
	tb.Helper()
	b, err := Start(Config{Addr: "127.0.0.1:0", TLS: &tls.Config{
		Certificates: []tls.Certificate{ca.Issue(tb, "broker")},
		ClientCAs:    ca.Pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS12,
	}})
	require.NoError(tb, err)
	tb.Cleanup(func() { b.Close() })
	return "ssl://" + b.Addr()
}

// connect connects as the holder of a certificate for cn, claiming user
// name claim (which the broker must ignore).
func connect(tb testing.TB, url string, ca, issuer *pkitest.CA, cn, claim, clientID string) (paho.Client, error) {
	tb.Helper()
	opts := paho.NewClientOptions().AddBroker(url).SetClientID(clientID).SetUsername(claim).
		SetTLSConfig(&tls.Config{RootCAs: ca.Pool, Certificates: []tls.Certificate{issuer.Issue(tb, cn)}, MinVersion: tls.VersionTLS12}).
		SetAutoReconnect(false).SetConnectRetry(false).SetConnectTimeout(5 * time.Second)
	c := paho.NewClient(opts)
	tok := c.Connect()
	if !tok.WaitTimeout(10 * time.Second) {
		return nil, fmt.Errorf("connect %s: timeout", cn)
	}
	if err := tok.Error(); err != nil {
		return nil, err
	}
	tb.Cleanup(func() { c.Disconnect(100) })
	return c, nil
}

type inbox struct {
	mu   sync.Mutex
	msgs []string
}

func (in *inbox) handler(_ paho.Client, m paho.Message) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.msgs = append(in.msgs, m.Topic()+" "+string(m.Payload()))
}

func (in *inbox) get() []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]string(nil), in.msgs...)
}

func wait(tb testing.TB, t paho.Token) {
	tb.Helper()
	require.True(tb, t.WaitTimeout(10*time.Second), "mqtt operation timed out")
	// A refused subscription or publish is what some cases expect; the
	// checks below look at what was delivered.
}

// TestBrokersEnforceACL proves, against real Mosquitto running
// configs/center and against the embedded broker, that a box cannot publish
// as another home, nor read another home's commands, nor send commands, nor
// announce itself as the center; and that every box reads the center's
// status.
func TestBrokersEnforceACL(t *testing.T) {
	brokers := []struct {
		name  string
		start func(testing.TB, *pkitest.CA) string
	}{
		{name: "mosquitto", start: startMosquitto},
		{name: "embedded", start: startEmbedded},
	}
	for _, b := range brokers {
		t.Run(b.name, func(t *testing.T) {
			ca := pkitest.NewCA(t, "SafeHub device CA")
			url := b.start(t, ca)

			center, err := connect(t, url, ca, ca, CenterUser, "", "console-1")
			require.NoError(t, err)
			boxA, err := connect(t, url, ca, ca, "home-a", "", "home-a")
			require.NoError(t, err)
			// home-b claims to be the center by user name; its CN decides.
			boxB, err := connect(t, url, ca, ca, "home-b", CenterUser, "home-b")
			require.NoError(t, err)

			var atCenter, atA, atB inbox
			wait(t, center.Subscribe("$share/safehub-center/safehub/v1/+/alarm", 1, atCenter.handler))
			wait(t, boxA.Subscribe("safehub/v1/home-a/cmd", 1, atA.handler))
			wait(t, boxA.Subscribe(protocol.CenterStatusTopic, 1, atA.handler))
			wait(t, boxB.Subscribe("safehub/v1/home-b/cmd", 1, atB.handler))
			wait(t, boxB.Subscribe("safehub/v1/home-a/cmd", 1, atB.handler))
			wait(t, boxB.Subscribe("safehub/v1/+/cmd", 1, atB.handler))
			wait(t, boxB.Subscribe(protocol.CenterStatusTopic, 1, atB.handler))

			// Forbidden publishes, each on a connection of its own: a broker
			// may answer one by closing the connection (mochi does).
			forgerB, err := connect(t, url, ca, ca, "home-b", CenterUser, "home-b-forger")
			require.NoError(t, err)
			wait(t, forgerB.Publish("safehub/v1/home-a/alarm", 1, false, "forged-alarm"))
			forgerA, err := connect(t, url, ca, ca, "home-a", CenterUser, "home-a-forger")
			require.NoError(t, err)
			wait(t, forgerA.Publish("safehub/v1/home-b/cmd", 1, false, "forged-cmd"))
			forgerC, err := connect(t, url, ca, ca, "home-a", CenterUser, "home-a-forger-center")
			require.NoError(t, err)
			wait(t, forgerC.Publish(protocol.CenterStatusTopic, 1, true, "forged-center"))

			// Allowed ones after them: once these arrive, the forbidden ones
			// would have arrived before them.
			wait(t, boxB.Publish("safehub/v1/home-b/alarm", 1, false, "own"))
			wait(t, center.Publish("safehub/v1/home-a/cmd", 1, false, "for-a"))
			wait(t, center.Publish("safehub/v1/home-b/cmd", 1, false, "for-b"))
			wait(t, center.Publish(protocol.CenterStatusTopic, 1, true, "presence"))
			// Distinct: home-b's overlapping subscriptions may bring "for-b"
			// twice before the presence arrives.
			require.Eventually(t, func() bool {
				return len(distinct(atCenter.get())) >= 1 && len(distinct(atA.get())) >= 2 && len(distinct(atB.get())) >= 2
			},
				10*time.Second, 10*time.Millisecond, "allowed messages did not arrive")

			if got, want := distinct(atCenter.get()), []string{"safehub/v1/home-b/alarm own"}; !equal(got, want) {
				t.Errorf("center received %q, want %q (a box must not publish as another home)", got, want)
			}
			presence := protocol.CenterStatusTopic + " presence"
			if got, want := distinct(atA.get()), []string{"safehub/v1/home-a/cmd for-a", presence}; !equal(got, want) {
				t.Errorf("home-a received %q, want %q (no forged center status)", got, want)
			}
			if got, want := distinct(atB.get()), []string{"safehub/v1/home-b/cmd for-b", presence}; !equal(got, want) {
				t.Errorf("home-b received %q, want %q (no other home's commands, no forged commands)", got, want)
			}
			// The retained status a box finds on subscribing is the
			// center's, not the forger's.
			var late inbox
			boxLate, err := connect(t, url, ca, ca, "home-c", "", "home-c")
			require.NoError(t, err)
			wait(t, boxLate.Subscribe(protocol.CenterStatusTopic, 1, late.handler))
			require.Eventually(t, func() bool { return len(late.get()) >= 1 }, 10*time.Second, 10*time.Millisecond, "retained center status")
			if got, want := late.get()[0], presence; got != want {
				t.Errorf("retained center status = %q, want %q", got, want)
			}
		})
	}
}

func TestBrokersRefuseForeignCertificates(t *testing.T) {
	ca := pkitest.NewCA(t, "SafeHub device CA")
	rogue := pkitest.NewCA(t, "rogue CA")
	for _, b := range []struct {
		name string
		url  string
	}{{"mosquitto", startMosquitto(t, ca)}, {"embedded", startEmbedded(t, ca)}} {
		t.Run(b.name, func(t *testing.T) {
			if _, err := connect(t, b.url, ca, rogue, "home-a", "", "rogue"); err == nil {
				t.Fatalf("connect with a certificate of another CA: got no error, want refusal")
			}
		})
	}
}

// distinct drops repeats: a broker may deliver a message once per
// matching subscription.
func distinct(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
