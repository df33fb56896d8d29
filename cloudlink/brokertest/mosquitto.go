package brokertest

import (
	"os"
	"testing"

	"github.com/safehub-iot/safehub/internal/mosquitto"
)

// MosquittoPath is the broker binary StartMosquitto runs.
var MosquittoPath = mosquitto.DefaultBin

// Mosquitto is a mosquitto process run by a test.
type Mosquitto struct {
	// Dir holds the config file, the persistence file and the log.
	Dir  string
	Conf string

	b *mosquitto.Broker
}

// MosquittoOption changes the broker's config.
type MosquittoOption func(*mosqConf)

type mosqConf struct {
	head, extra []string
}

// WithGlobalConfig puts lines before the default listener: settings that
// mosquitto wants first, such as "per_listener_settings true".
func WithGlobalConfig(lines ...string) MosquittoOption {
	return func(c *mosqConf) { c.head = append(c.head, lines...) }
}

// WithConfig appends lines to the config file, e.g. an acl_file, a TLS
// listener, or "allow_anonymous false" with a password_file.
func WithConfig(lines ...string) MosquittoOption {
	return func(c *mosqConf) { c.extra = append(c.extra, lines...) }
}

// StartMosquitto writes a config file into tb.TempDir() and starts
// /usr/sbin/mosquitto on a free loopback port, with persistence on (so a
// Restart keeps sessions and queued QoS 1 messages) and no limit on queued
// messages. It waits until the broker accepts connections and kills it in
// tb.Cleanup. A missing binary fails the test: CI installs mosquitto.
func StartMosquitto(tb testing.TB, opts ...MosquittoOption) *Mosquitto {
	tb.Helper()
	if _, err := os.Stat(MosquittoPath); err != nil {
		tb.Fatalf("brokertest: mosquitto not found at %s (install the mosquitto package): %v", MosquittoPath, err)
	}
	var c mosqConf
	for _, o := range opts {
		o(&c)
	}
	dir := tb.TempDir()
	b, err := mosquitto.Start(mosquitto.Options{
		Bin:  MosquittoPath,
		Dir:  dir,
		Port: FreePort(tb),
		Global: append(append([]string{"# written by cloudlink/brokertest"}, c.head...),
			"user root", // the test runs as whoever it is; never drop to another user
		),
		Config: append([]string{
			"allow_anonymous true",
			"persistence true",
			"persistence_location " + dir + "/",
			"autosave_interval 1",
			"max_queued_messages 0",
			"max_inflight_messages 0",
			"set_tcp_nodelay true",
			"log_dest stderr",
			"log_type error",
			"log_type warning",
		}, c.extra...),
	})
	if err != nil {
		tb.Fatalf("brokertest: %v", err)
	}
	tb.Cleanup(b.Kill)
	return &Mosquitto{Dir: dir, Conf: b.Conf(), b: b}
}

// URL implements Broker.
func (m *Mosquitto) URL() string { return m.b.URL() }

// Addr implements Broker.
func (m *Mosquitto) Addr() string { return m.b.Addr() }

// Kind implements Broker.
func (m *Mosquitto) Kind() string { return "mosquitto" }

// Stop sends SIGTERM (mosquitto saves its persistence file) and waits for
// the process to exit.
func (m *Mosquitto) Stop(tb testing.TB) {
	tb.Helper()
	if err := m.b.Stop(); err != nil {
		tb.Fatalf("brokertest: %v", err)
	}
}

// Restart starts mosquitto again with the same config and port.
func (m *Mosquitto) Restart(tb testing.TB) {
	tb.Helper()
	if err := m.b.Restart(); err != nil {
		tb.Fatalf("brokertest: %v", err)
	}
}

// Log is what mosquitto has logged (errors and warnings) in this test.
func (m *Mosquitto) Log() string { return m.b.Log() }
