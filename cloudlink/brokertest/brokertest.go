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
	"testing"

	"github.com/safehub-iot/safehub/internal/mosquitto"
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
// below the kernel's ephemeral range (see mosquitto.FreePort, which it
// calls, for why).
func FreePort(tb testing.TB) int {
	tb.Helper()
	port, err := mosquitto.FreePort()
	if err != nil {
		tb.Fatalf("brokertest: %v", err)
	}
	return port
}
