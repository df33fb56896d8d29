package center

import (
	"context"
	"crypto/tls"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/center/alarmdb"
	"github.com/safehub-iot/safehub/center/broker"
	"github.com/safehub-iot/safehub/center/broker/districttest"
	"github.com/safehub-iot/safehub/center/broker/pkitest"
	"github.com/safehub-iot/safehub/cloudlink"
	"github.com/safehub-iot/safehub/cloudlink/brokertest"
	"github.com/safehub-iot/safehub/cloudlink/protocol"
	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway/store"
)

// externalBroker is a broker the center joins as a client, so the center can
// go away while the broker and the boxes stay.
type externalBroker struct {
	url       string
	centerTLS *tls.Config             // nil: plain TCP, anonymous
	boxTLS    func(*cloudlink.Config) // sets the box's certificate, if any
	restart   func()                  // stops and restarts the broker; nil if it cannot
}

func restartable(tb testing.TB, b brokertest.Broker) externalBroker {
	return externalBroker{url: b.URL(), restart: func() { b.Stop(tb); b.Restart(tb) }}
}

// externalBrokers are the setups of the presence tests: mochi and Mosquitto
// allowing everyone, and Mosquitto as a district runs it (configs/center:
// mTLS, the committed ACL).
var externalBrokers = []struct {
	name  string
	start func(testing.TB) externalBroker
}{
	{name: "mochi", start: func(tb testing.TB) externalBroker { return restartable(tb, brokertest.StartMochi(tb)) }},
	{name: "mosquitto", start: func(tb testing.TB) externalBroker { return restartable(tb, brokertest.StartMosquitto(tb)) }},
	{name: "mosquitto from configs/center", start: func(tb testing.TB) externalBroker {
		ca := pkitest.NewCA(tb, "SafeHub device CA")
		caFile, cert, key := ca.WriteFiles(tb, tb.TempDir(), "rose-12")
		return externalBroker{
			url:       districttest.StartMosquitto(tb, ca),
			centerTLS: &tls.Config{RootCAs: ca.Pool, Certificates: []tls.Certificate{ca.Issue(tb, broker.CenterUser)}, MinVersion: tls.VersionTLS12},
			boxTLS:    func(c *cloudlink.Config) { c.CAFile, c.CertFile, c.KeyFile = caFile, cert, key },
		}
	}},
}

// startCenterOn starts a center on an external broker with its database at
// dbPath (so a later center can take over the same one). The returned stop
// closes it, once, and is also called in tb.Cleanup.
func startCenterOn(tb testing.TB, b externalBroker, dbPath string) (*Center, func()) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := Start(ctx, Config{DBPath: dbPath, HTTPAddr: "127.0.0.1:0", BrokerURL: b.url, ClientTLS: b.centerTLS,
		ClientID: "console-1", Log: testLog()})
	require.NoError(tb, err)
	var once sync.Once
	stop := func() { once.Do(func() { c.Close(context.Background()) }) }
	tb.Cleanup(stop)
	return c, stop
}

// boxLink is a real box's cloud link (site rose-12) on its own store.
type boxLink struct {
	link *cloudlink.Link
	st   *store.Store
	wake chan event.Event
}

func startBoxLink(tb testing.TB, b externalBroker) *boxLink {
	tb.Helper()
	st, err := store.Open(context.Background(), filepath.Join(tb.TempDir(), "box.db"))
	require.NoError(tb, err)
	tb.Cleanup(func() { st.Close() })
	cfg := cloudlink.Default()
	cfg.Site, cfg.Brokers, cfg.Username = "rose-12", []string{b.url}, "rose-12"
	cfg.MinBackoff, cfg.MaxBackoff = 50*time.Millisecond, 200*time.Millisecond
	cfg.AckResend = time.Hour // only the resend on the center's presence can deliver in time
	if b.boxTLS != nil {
		b.boxTLS(&cfg)
	}
	bl := &boxLink{st: st, wake: make(chan event.Event, 16)}
	bl.link, err = cloudlink.New(cfg, cloudlink.Deps{Store: st, Wake: bl.wake, Log: testLog().With("site", "rose-12")})
	require.NoError(tb, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- bl.link.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			tb.Errorf("box link did not stop within 10 s")
		}
	})
	require.Eventually(tb, func() bool { return bl.link.State().Connected }, 20*time.Second, 10*time.Millisecond, "box connected")
	return bl
}

// raise commits n alarms as the box's pipeline does and waits until the
// broker has accepted them all (PUBACK).
func (bl *boxLink) raise(tb testing.TB, n int) []event.Event {
	tb.Helper()
	var out []event.Event
	for i := range n {
		ev := &event.Event{Kind: event.AlarmRaised, Severity: event.Critical, Sensor: "button", SensorKind: "call_button",
			Rule: "call", Time: time.Now(), Message: fmt.Sprintf("pressed %d", i)}
		ev.ID = event.NewID()
		ev.AlarmID = ev.ID
		require.NoError(tb, bl.st.Append(context.Background(), ev))
		out = append(out, *ev)
		bl.wake <- *ev
	}
	require.Eventually(tb, func() bool { return bl.link.State().OutboxDepth == 0 }, 20*time.Second, 10*time.Millisecond, "broker took the alarms")
	return out
}

func hasAlarms(c *Center, want []event.Event) bool {
	got, err := c.Alarms(context.Background(), alarmdb.Filter{Site: "rose-12"})
	if err != nil {
		return false
	}
	ids := map[string]bool{}
	for _, a := range got {
		ids[a.ID] = true
	}
	for _, w := range want {
		if !ids[w.ID] {
			return false
		}
	}
	return true
}

// TestPresenceRecoversAlarmsSentWhileCenterAway is issue #9's loss, small.
// With the center on its default shared subscriptions, a broker accepts a
// box's alarms and hands them to nobody: first when no console has
// subscribed yet; then, after a broker restart, because Mosquitto does not
// restore a shared subscription from its persistence file until the console
// subscribes again (mochi, kept in memory, may queue them). Each time the
// center announces itself once subscribed and the alarms are in its console
// at once; the box's periodic resend (AckResend, an hour here) plays no part.
func TestPresenceRecoversAlarmsSentWhileCenterAway(t *testing.T) {
	for _, bk := range externalBrokers {
		t.Run(bk.name, func(t *testing.T) {
			b := bk.start(t)
			dbPath := filepath.Join(t.TempDir(), "center.db")
			box := startBoxLink(t, b)
			lost := box.raise(t, 3) // no console subscribed yet
			start := time.Now()
			c, stop := startCenterOn(t, b, dbPath)
			require.Eventually(t, func() bool { return hasAlarms(c, lost) }, 10*time.Second, 10*time.Millisecond,
				"alarms the broker accepted before the center subscribed are not in the console")
			t.Logf("%s: %d alarms in the console %v after the center started", bk.name, len(lost), time.Since(start).Round(time.Millisecond))
			if b.restart == nil {
				return
			}

			stop() // the console goes away; its session stays
			b.restart()
			require.Eventually(t, func() bool { return box.link.State().Connected }, 20*time.Second, 10*time.Millisecond, "box back")
			lost = box.raise(t, 2)
			start = time.Now()
			c, _ = startCenterOn(t, b, dbPath)
			require.Eventually(t, func() bool { return hasAlarms(c, lost) }, 10*time.Second, 10*time.Millisecond,
				"alarms the broker accepted after its restart, before the center returned, are not in the console")
			t.Logf("%s: after a broker restart, %d alarms in the console %v after the center returned", bk.name, len(lost), time.Since(start).Round(time.Millisecond))
		})
	}
}

// retainedCenter reads the retained center status, if there is one.
func retainedCenter(tb testing.TB, url string) (protocol.CenterStatusMsg, bool) {
	tb.Helper()
	got := make(chan []byte, 1)
	cl := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID(fmt.Sprintf("watch-%d", time.Now().UnixNano())).
		SetAutoReconnect(false).SetConnectTimeout(2 * time.Second))
	if tok := cl.Connect(); !tok.WaitTimeout(3*time.Second) || tok.Error() != nil {
		return protocol.CenterStatusMsg{}, false
	}
	defer cl.Disconnect(0)
	tok := cl.Subscribe(protocol.CenterStatusTopic, 1, func(_ paho.Client, m paho.Message) {
		select {
		case got <- m.Payload():
		default:
		}
	})
	if !tok.WaitTimeout(3*time.Second) || tok.Error() != nil {
		return protocol.CenterStatusMsg{}, false
	}
	select {
	case p := <-got:
		m, err := protocol.DecodeCenterStatus(p)
		if err != nil {
			tb.Errorf("retained center status %s: %v", p, err)
		}
		return m, err == nil
	case <-time.After(500 * time.Millisecond):
		return protocol.CenterStatusMsg{}, false
	}
}

// TestCenterAnnouncesEveryConnect: the retained center status is "online"
// with an epoch once the center has started, a new epoch once it is back
// after a broker restart (within its 2 s reconnect cap), and "offline"
// (shutdown) after a clean stop.
func TestCenterAnnouncesEveryConnect(t *testing.T) {
	mq := brokertest.StartMosquitto(t)
	_, stop := startCenterOn(t, externalBroker{url: mq.URL()}, filepath.Join(t.TempDir(), "center.db"))
	first, ok := retainedCenter(t, mq.URL())
	require.True(t, ok, "no retained center status after Start")
	if first.State != protocol.Online || first.Epoch == "" || first.ClientID != "console-1" {
		t.Fatalf("retained center status after Start = %+v, want online with an epoch, client console-1", first)
	}

	mq.Stop(t)
	mq.Restart(t)
	back := time.Now()
	var again protocol.CenterStatusMsg
	require.Eventually(t, func() bool {
		m, ok := retainedCenter(t, mq.URL())
		again = m
		return ok && m.State == protocol.Online && m.Epoch != first.Epoch
	}, 10*time.Second, 10*time.Millisecond, "no new epoch after the broker came back (last %+v)", again)
	t.Logf("new epoch %s %v after the broker came back", again.Epoch, time.Since(back).Round(time.Millisecond))

	stop()
	last, ok := retainedCenter(t, mq.URL())
	require.True(t, ok)
	if last.State != protocol.Offline || last.Reason != "shutdown" {
		t.Fatalf("retained center status after Close = %+v, want offline, shutdown", last)
	}
}
