// Package brokertest starts real MQTT brokers for tests: an embedded
// mochi-mqtt broker and a Mosquitto process, each on a free loopback port,
// each able to stop and come back on the same port so tests can cut the
// network under a client. Every broker is torn down in tb.Cleanup.
//
// Both kinds keep their sessions across Stop and Restart: persistent
// subscriptions and the QoS 1 messages queued for them survive, as they do
// for a production broker with persistence on.
package brokertest

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"testing"
	"time"
)

// Broker is a running test broker.
type Broker interface {
	// URL is the client URL, e.g. "tcp://127.0.0.1:41883".
	URL() string
	// Addr is host:port.
	Addr() string
	// Stop closes the broker's listener and drops every client connection.
	// Sessions and queued messages are kept for Restart.
	Stop(tb testing.TB)
	// Restart brings a stopped broker back on the same port.
	Restart(tb testing.TB)
	// Kind is "mochi" or "mosquitto".
	Kind() string
}

// Kinds are the broker kinds Start accepts, for table tests that run
// against every broker.
var Kinds = []string{"mochi", "mosquitto"}

// Start starts a broker of the given kind ("mochi" or "mosquitto").
func Start(tb testing.TB, kind string) Broker {
	tb.Helper()
	switch kind {
	case "mochi":
		return StartMochi(tb)
	case "mosquitto":
		return StartMosquitto(tb)
	}
	tb.Fatalf("brokertest: unknown broker kind %q (want mochi or mosquitto)", kind)
	return nil
}

// FreePort returns a loopback TCP port that was free a moment ago, chosen
// below the kernel's ephemeral range. A port from that range (what
// listening on port 0 gives) can be taken, between this call and the
// broker's bind or while a broker is stopped for a test, by the local end
// of any outgoing connection on the machine, and the parallel test
// packages make thousands; Mosquitto then fails to open that listener and
// exits.
func FreePort(tb testing.TB) int {
	tb.Helper()
	lo, hi := portRange()
	for range 200 {
		port := lo + rand.IntN(hi-lo)
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue // taken: try another
		}
		l.Close()
		return port
	}
	tb.Fatalf("brokertest: no free loopback port in %d-%d", lo, hi-1)
	return 0
}

// portRange is the range FreePort draws from: the 10,000 ports below the
// kernel's ephemeral range (Linux's default range starts at 32768).
func portRange() (lo, hi int) {
	hi = 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		var a, z int
		if n, _ := fmt.Sscan(string(b), &a, &z); n == 2 && a > 11024 {
			hi = a
		}
	}
	return hi - 10000, hi
}

// waitListening polls addr until it accepts a TCP connection or the
// timeout passes.
func waitListening(addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("broker at %s not accepting connections after %v: %w", addr, timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitClosed polls addr until it refuses connections.
func waitClosed(addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return nil
		}
		c.Close()
		if time.Now().After(deadline) {
			return fmt.Errorf("broker at %s still accepting connections after %v", addr, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
