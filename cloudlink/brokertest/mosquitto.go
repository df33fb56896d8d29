package brokertest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// MosquittoPath is the broker binary StartMosquitto runs.
var MosquittoPath = "/usr/sbin/mosquitto"

// Mosquitto is a mosquitto process run by a test.
type Mosquitto struct {
	// Dir holds the config file, the persistence file and the log.
	Dir  string
	Conf string
	addr string

	mu     sync.Mutex
	proc   *os.Process // nil while stopped
	exited chan struct{}
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
	m := &Mosquitto{Dir: dir, Conf: filepath.Join(dir, "mosquitto.conf"), addr: fmt.Sprintf("127.0.0.1:%d", FreePort(tb))}
	conf := append([]string{"# written by cloudlink/brokertest"}, c.head...)
	conf = append(conf,
		"user root", // the test runs as whoever it is; never drop to another user
		fmt.Sprintf("listener %s 127.0.0.1", strings.TrimPrefix(m.addr, "127.0.0.1:")),
		"allow_anonymous true",
		"persistence true",
		"persistence_location "+dir+"/",
		"autosave_interval 1",
		"max_queued_messages 0",
		"max_inflight_messages 0",
		"set_tcp_nodelay true",
		"log_dest stderr",
		"log_type error",
		"log_type warning",
	)
	conf = append(conf, c.extra...)
	if err := os.WriteFile(m.Conf, []byte(strings.Join(conf, "\n")+"\n"), 0o600); err != nil {
		tb.Fatalf("brokertest: write mosquitto config: %v", err)
	}
	m.start(tb)
	tb.Cleanup(func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.proc != nil {
			_ = m.proc.Kill()
			<-m.exited
			m.proc = nil
		}
	})
	return m
}

func (m *Mosquitto) start(tb testing.TB) {
	tb.Helper()
	logPath := filepath.Join(m.Dir, "mosquitto.log")
	var err error
	for range 3 { // the port can be taken between FreePort and bind: retry
		logf, ferr := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if ferr != nil {
			tb.Fatalf("brokertest: mosquitto log: %v", ferr)
		}
		cmd := exec.Command(MosquittoPath, "-c", m.Conf)
		cmd.Stdout, cmd.Stderr = logf, logf
		err = cmd.Start()
		logf.Close()
		if err != nil {
			tb.Fatalf("brokertest: start mosquitto: %v", err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		ready := make(chan error, 1)
		go func() { ready <- waitListening(m.addr, 10*time.Second) }()
		select {
		case err = <-ready:
			select {
			case <-exited:
				// Something else answered on the port, or Mosquitto
				// opened its first listener and then failed on another.
				err = fmt.Errorf("mosquitto exited at start: %s", m.logText())
				continue
			default:
			}
			if err == nil {
				m.proc, m.exited = cmd.Process, exited
				return
			}
			_ = cmd.Process.Kill()
			<-exited
		case <-exited:
			err = fmt.Errorf("mosquitto exited at start: %s", m.logText())
			time.Sleep(100 * time.Millisecond)
		}
	}
	tb.Fatalf("brokertest: mosquitto on %s: %v", m.addr, err)
}

// URL implements Broker.
func (m *Mosquitto) URL() string { return "tcp://" + m.addr }

// Addr implements Broker.
func (m *Mosquitto) Addr() string { return m.addr }

// Kind implements Broker.
func (m *Mosquitto) Kind() string { return "mosquitto" }

// Stop sends SIGTERM (mosquitto saves its persistence file) and waits for
// the process to exit.
func (m *Mosquitto) Stop(tb testing.TB) {
	tb.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.proc == nil {
		return
	}
	if err := m.proc.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		tb.Fatalf("brokertest: stop mosquitto: %v", err)
	}
	select {
	case <-m.exited:
	case <-time.After(10 * time.Second):
		_ = m.proc.Kill()
		<-m.exited
		tb.Fatalf("brokertest: mosquitto did not stop within 10s of SIGTERM; killed")
	}
	m.proc = nil
	if err := waitClosed(m.addr, 5*time.Second); err != nil {
		tb.Fatalf("brokertest: stop mosquitto: %v", err)
	}
}

// Restart starts mosquitto again with the same config and port.
func (m *Mosquitto) Restart(tb testing.TB) {
	tb.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.proc != nil {
		return
	}
	m.start(tb)
}

// Log is what mosquitto has logged (errors and warnings) in this test.
func (m *Mosquitto) Log() string { return m.logText() }

func (m *Mosquitto) logText() string {
	b, err := os.ReadFile(filepath.Join(m.Dir, "mosquitto.log"))
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	return string(b)
}
