package cloudlink

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/safehub-iot/safehub/cloudlink/brokertest"
	"github.com/safehub-iot/safehub/cloudlink/protocol"
	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway/store"
)

var _ Store = (*store.Store)(nil)

const testSite = "rose-12"

// quietLog discards the link's log unless CLOUDLINK_TEST_LOG is set.
func quietLog() *slog.Logger {
	if os.Getenv("CLOUDLINK_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func openStore(tb testing.TB) *store.Store {
	tb.Helper()
	s, err := store.Open(context.Background(), filepath.Join(tb.TempDir(), "box.db"))
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func testConfig(brokers ...string) Config {
	c := Default()
	c.Site = testSite
	c.Brokers = brokers
	c.MinBackoff = 50 * time.Millisecond
	c.MaxBackoff = 200 * time.Millisecond
	c.ConnectTimeout = 2 * time.Second
	c.Version = "test"
	return c
}

// runLink starts a link and stops it (waiting for Run to return) in
// tb.Cleanup.
func runLink(tb testing.TB, cfg Config, deps Deps) *Link {
	tb.Helper()
	if deps.Log == nil {
		deps.Log = quietLog()
	}
	l, err := New(cfg, deps)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	runLinkBuilt(tb, l)
	return l
}

// runLinkBuilt runs an already built link until tb's cleanup.
func runLinkBuilt(tb testing.TB, l *Link) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				tb.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			tb.Errorf("Run did not return within 10s of cancel")
		}
	})
}

// appendEvents commits n events of the given kind, one transaction each as
// the pipeline does, and pokes wake after each.
func appendEvents(tb testing.TB, st *store.Store, wake chan event.Event, n int, kind event.Kind) []event.Event {
	tb.Helper()
	var out []event.Event
	for i := range n {
		ev := &event.Event{Kind: kind, Severity: event.Info, Sensor: fmt.Sprintf("s%d", i), Time: time.Now(), Message: fmt.Sprintf("burst %d", i)}
		if kind == event.AlarmRaised {
			ev.ID = event.NewID()
			ev.AlarmID, ev.Severity, ev.Rule = ev.ID, event.Critical, "call"
		}
		if err := st.Append(context.Background(), ev); err != nil {
			tb.Errorf("append: %v", err)
			return out
		}
		out = append(out, *ev)
		select {
		case wake <- *ev:
		default:
		}
	}
	return out
}

// received is one message a collector got.
type received struct {
	topic   string
	payload []byte
}

// collector is the center's side in tests: a persistent-session subscriber
// to everything of a site, reconnecting on its own.
type collector struct {
	tb   testing.TB
	c    paho.Client
	mu   sync.Mutex
	msgs []received
}

func newCollector(tb testing.TB, url, id string) *collector {
	tb.Helper()
	return newCollectorOn(tb, url, id, fmt.Sprintf("safehub/v1/%s/#", testSite))
}

// newCollectorOn is a collector subscribed to filter, e.g. the center's
// shared "$share/safehub-center/safehub/v1/+/alarm".
func newCollectorOn(tb testing.TB, url, id, filter string) *collector {
	tb.Helper()
	col := &collector{tb: tb}
	subscribed := make(chan error, 1)
	o := paho.NewClientOptions().AddBroker(url).SetClientID(id).SetCleanSession(false).
		SetAutoReconnect(true).SetMaxReconnectInterval(100 * time.Millisecond).SetConnectRetry(true).
		// An attempt that reaches a broker mid-restart can get no CONNACK;
		// paho's default 30 s wait for it outlasts the tests' patience.
		SetConnectTimeout(2 * time.Second).
		SetConnectRetryInterval(100 * time.Millisecond).SetOrderMatters(true).
		SetDefaultPublishHandler(col.on).
		SetOnConnectHandler(func(c paho.Client) {
			tok := c.Subscribe(filter, 1, col.on)
			tok.Wait()
			select {
			case subscribed <- tok.Error():
			default:
			}
		})
	col.c = paho.NewClient(o)
	if tok := col.c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		tb.Fatalf("collector connect: %v", tok.Error())
	}
	tb.Cleanup(func() { col.c.Disconnect(0) })
	select {
	case err := <-subscribed:
		if err != nil {
			tb.Fatalf("collector subscribe: %v", err)
		}
	case <-time.After(5 * time.Second):
		tb.Fatalf("collector subscribe: no SUBACK within 5s")
	}
	return col
}

func (c *collector) on(_ paho.Client, m paho.Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.msgs = append(c.msgs, received{topic: m.Topic(), payload: append([]byte(nil), m.Payload()...)})
}

// on returns the messages on one channel so far.
func (c *collector) channel(ch protocol.Channel) []received {
	topic, _ := protocol.Topic(testSite, ch)
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []received
	for _, m := range c.msgs {
		if m.topic == topic {
			out = append(out, m)
		}
	}
	return out
}

// events decodes every alarm and event message, in arrival order.
func (c *collector) events() []protocol.EventMsg {
	c.tb.Helper()
	alarm, _ := protocol.Topic(testSite, protocol.Alarm)
	event, _ := protocol.Topic(testSite, protocol.Event)
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []protocol.EventMsg
	for _, m := range c.msgs {
		if m.topic != alarm && m.topic != event {
			continue
		}
		ev, err := protocol.DecodeEvent(m.payload)
		if err != nil {
			c.tb.Errorf("collector: bad event payload on %s: %v: %s", m.topic, err, m.payload)
			continue
		}
		out = append(out, ev)
	}
	return out
}

func (c *collector) uniqueEvents() int {
	seen := map[string]bool{}
	for _, ev := range c.events() {
		seen[ev.ID] = true
	}
	return len(seen)
}

// checkDelivery asserts the promise on what a collector got: every one of
// want arrived, the first copy of each in seq order, and any copy carries
// the same id and seq as the first.
func checkDelivery(tb testing.TB, got []protocol.EventMsg, want []event.Event) {
	tb.Helper()
	checkReceived(tb, got, want, true)
}

// checkReceived is checkDelivery with the order check optional.
func checkReceived(tb testing.TB, got []protocol.EventMsg, want []event.Event, ordered bool) {
	tb.Helper()
	bySeq := map[int64]string{}
	var firstSeqs []int64
	for _, ev := range got {
		if id, dup := bySeq[ev.Seq]; dup {
			if id != ev.ID {
				tb.Fatalf("seq %d arrived with two ids: %s and %s", ev.Seq, id, ev.ID)
			}
			continue
		}
		bySeq[ev.Seq] = ev.ID
		firstSeqs = append(firstSeqs, ev.Seq)
	}
	for _, w := range want {
		if id, ok := bySeq[w.Seq]; !ok || id != w.ID {
			tb.Fatalf("event seq %d id %s: got id %q (present %v); %d of %d unique arrived", w.Seq, w.ID, id, ok, len(bySeq), len(want))
		}
	}
	for i := 1; ordered && i < len(firstSeqs); i++ {
		if firstSeqs[i] < firstSeqs[i-1] {
			tb.Fatalf("out of order: seq %d arrived first after seq %d (position %d): %v", firstSeqs[i], firstSeqs[i-1], i, firstSeqs[max(0, i-30):min(len(firstSeqs), i+10)])
		}
	}
}

// sendCmd publishes a command as the center would.
func sendCmd(tb testing.TB, url string, payload string) {
	tb.Helper()
	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID(fmt.Sprintf("center-%d", time.Now().UnixNano())))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		tb.Fatalf("center connect: %v", tok.Error())
	}
	defer c.Disconnect(50)
	topic, _ := protocol.Topic(testSite, protocol.Cmd)
	if tok := c.Publish(topic, 1, false, payload); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		tb.Fatalf("center publish: %v", tok.Error())
	}
}

// replies decodes the replies a collector got, by command id.
func (c *collector) replies() map[string][]protocol.ReplyMsg {
	c.tb.Helper()
	out := map[string][]protocol.ReplyMsg{}
	for _, m := range c.channel(protocol.Reply) {
		r, err := protocol.DecodeReply(m.payload)
		if err != nil {
			c.tb.Errorf("bad reply payload: %v: %s", err, m.payload)
			continue
		}
		out[r.ID] = append(out[r.ID], r)
	}
	return out
}

// brokerSide records, for a mochi broker, the events in the order the broker
// itself received them (an inline subscription, untouched by Stop). It
// returns nil for other brokers.
func brokerSide(tb testing.TB, b brokertest.Broker) func() []protocol.EventMsg {
	tb.Helper()
	m, ok := b.(*brokertest.Mochi)
	if !ok {
		return nil
	}
	var mu sync.Mutex
	var got []protocol.EventMsg
	filter := fmt.Sprintf("safehub/v1/%s/+", testSite)
	err := m.Server.Subscribe(filter, 1, func(_ *mqtt.Client, _ packets.Subscription, pk packets.Packet) {
		ev, err := protocol.DecodeEvent(pk.Payload)
		if err != nil {
			return // status, heartbeat
		}
		mu.Lock()
		defer mu.Unlock()
		got = append(got, ev)
	})
	if err != nil {
		tb.Fatalf("inline subscribe: %v", err)
	}
	return func() []protocol.EventMsg {
		mu.Lock()
		defer mu.Unlock()
		return append([]protocol.EventMsg(nil), got...)
	}
}
