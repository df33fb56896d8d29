package brokertest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

func connect(tb testing.TB, url, id string, clean bool, onMsg paho.MessageHandler) paho.Client {
	tb.Helper()
	o := paho.NewClientOptions().AddBroker(url).SetClientID(id).SetCleanSession(clean).
		SetAutoReconnect(false).SetConnectTimeout(5 * time.Second).SetDefaultPublishHandler(onMsg)
	c := paho.NewClient(o)
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		tb.Fatalf("connect %s to %s: %v", id, url, tok.Error())
	}
	tb.Cleanup(func() { c.Disconnect(0) })
	return c
}

func wait(tb testing.TB, tok paho.Token, what string) {
	tb.Helper()
	if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		tb.Fatalf("%s: %v (timed out: %v)", what, tok.Error(), !tok.WaitTimeout(0))
	}
}

// TestRestartKeepsSession checks the property the cloud link's tests rely
// on: a QoS 1 message queued for a disconnected persistent session survives
// Stop and Restart and is delivered when the subscriber returns.
func TestRestartKeepsSession(t *testing.T) {
	for _, kind := range Kinds {
		t.Run(kind, func(t *testing.T) {
			b := Start(t, kind)
			if got, want := b.Kind(), kind; got != want {
				t.Fatalf("Kind() = %q, want %q", got, want)
			}
			if !strings.HasPrefix(b.URL(), "tcp://127.0.0.1:") {
				t.Fatalf("URL() = %q, want a loopback tcp URL", b.URL())
			}
			got := make(chan string, 10)
			onMsg := func(_ paho.Client, m paho.Message) { got <- string(m.Payload()) }
			sub := connect(t, b.URL(), "sub", false, onMsg)
			wait(t, sub.Subscribe("t/#", 1, nil), "subscribe")
			sub.Disconnect(100)

			pub := connect(t, b.URL(), "pub", true, nil)
			wait(t, pub.Publish("t/a", 1, false, "queued"), "publish")
			pub.Disconnect(100)

			b.Stop(t)
			c := paho.NewClient(paho.NewClientOptions().AddBroker(b.URL()).SetConnectTimeout(time.Second).SetAutoReconnect(false))
			if tok := c.Connect(); tok.WaitTimeout(3*time.Second) && tok.Error() == nil {
				c.Disconnect(0)
				t.Fatalf("connected to a stopped broker")
			}
			b.Restart(t)

			connect(t, b.URL(), "sub", false, onMsg) // resumes the session
			select {
			case m := <-got:
				if m != "queued" {
					t.Fatalf("got %q, want %q", m, "queued")
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("the message queued before the restart never arrived")
			}
		})
	}
}

func TestMosquittoExtraConfig(t *testing.T) {
	port := FreePort(t)
	b := StartMosquitto(t, WithConfig(fmt.Sprintf("listener %d 127.0.0.1", port)))
	c := connect(t, fmt.Sprintf("tcp://127.0.0.1:%d", port), "x", true, nil)
	wait(t, c.Publish("t", 1, false, "hi"), "publish on the extra listener")
	if strings.Contains(b.Log(), "Error") {
		t.Fatalf("mosquitto logged errors:\n%s", b.Log())
	}
}

func TestStartUnknownKind(t *testing.T) {
	ft := &fatalTB{TB: t}
	func() {
		defer func() { _ = recover() }()
		Start(ft, "rabbit")
	}()
	if !strings.Contains(ft.msg, `unknown broker kind "rabbit"`) {
		t.Fatalf("Fatalf message = %q, want one naming the kind", ft.msg)
	}
}

// fatalTB records Fatalf instead of ending the test.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}
func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic("fatal")
}
