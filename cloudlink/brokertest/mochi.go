package brokertest

import (
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/safehub-iot/safehub/internal/mosquitto"
)

const mochiListener = "brokertest"

// Mochi is an embedded mochi-mqtt broker.
type Mochi struct {
	// Server is the broker itself, for tests that need to inspect or
	// publish inline.
	Server *mqtt.Server
	addr   string

	mu      sync.Mutex
	running bool
}

// StartMochi starts an embedded mochi-mqtt broker on a free loopback port,
// allowing every client. It is closed in tb.Cleanup.
//
// Stop and Restart close and reopen its listener and drop its clients but
// keep the server, so sessions and queued messages survive as they would
// with a persistent store (mochi's own stores need modules this project does
// not carry).
func StartMochi(tb testing.TB) *Mochi {
	tb.Helper()
	srv := mqtt.New(&mqtt.Options{
		InlineClient: true,
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err := srv.AddHook(new(auth.AllowHook), nil); err != nil {
		tb.Fatalf("brokertest: mochi auth hook: %v", err)
	}
	m := &Mochi{Server: srv, addr: fmt.Sprintf("127.0.0.1:%d", FreePort(tb))}
	if err := srv.AddListener(listeners.NewTCP(listeners.Config{ID: mochiListener, Address: m.addr})); err != nil {
		tb.Fatalf("brokertest: mochi listener on %s: %v", m.addr, err)
	}
	if err := srv.Serve(); err != nil {
		tb.Fatalf("brokertest: start mochi: %v", err)
	}
	if err := mosquitto.WaitListening(m.addr, 5*time.Second); err != nil {
		tb.Fatalf("brokertest: mochi: %v", err)
	}
	m.running = true
	tb.Cleanup(func() { srv.Close() })
	return m
}

// URL implements Broker.
func (m *Mochi) URL() string { return "tcp://" + m.addr }

// Addr implements Broker.
func (m *Mochi) Addr() string { return m.addr }

// Kind implements Broker.
func (m *Mochi) Kind() string { return "mochi" }

// Stop implements Broker.
func (m *Mochi) Stop(tb testing.TB) {
	tb.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.running {
		return
	}
	m.Server.Listeners.Close(mochiListener, func(id string) {
		for _, cl := range m.Server.Clients.GetByListener(id) {
			_ = m.Server.DisconnectClient(cl, packets.ErrServerShuttingDown)
		}
	})
	m.Server.Listeners.Delete(mochiListener)
	if err := mosquitto.WaitClosed(m.addr, 5*time.Second); err != nil {
		tb.Fatalf("brokertest: stop mochi: %v", err)
	}
	m.running = false
}

// Restart implements Broker.
func (m *Mochi) Restart(tb testing.TB) {
	tb.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.running {
		return
	}
	var err error
	for range 50 { // the port may linger briefly after Stop
		err = m.Server.AddListener(listeners.NewTCP(listeners.Config{ID: mochiListener, Address: m.addr}))
		if err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		tb.Fatalf("brokertest: restart mochi on %s: %v", m.addr, err)
	}
	m.Server.Listeners.Serve(mochiListener, m.Server.EstablishConnection)
	if err := mosquitto.WaitListening(m.addr, 5*time.Second); err != nil {
		tb.Fatalf("brokertest: restart mochi: %v", err)
	}
	m.running = true
}
