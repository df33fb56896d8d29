package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// mosquitto is a Mosquitto process for the district benchmarks, with
// persistence on so a restart keeps sessions and queued messages, as a
// production broker is run.
type mosquitto struct {
	bin, conf, addr string
	cmd             *exec.Cmd
}

func startMosquitto(bin, dir string) (*mosquitto, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	// Mosquitto started as root drops to its own user before it writes the
	// persistence file: that directory must be writable by it.
	data := filepath.Join(dir, "mosquitto")
	if err := os.MkdirAll(data, 0o750); err != nil {
		return nil, err
	}
	if err := os.Chmod(data, 0o777); err != nil {
		return nil, err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "mosquitto.conf")
	body := fmt.Sprintf(`listener %d 127.0.0.1
allow_anonymous true
max_connections -1
max_queued_messages 100000
max_inflight_messages 100
persistence true
persistence_location %s/
autosave_interval 0
set_tcp_nodelay true
log_dest stderr
log_type error
log_type warning
`, port, data)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		return nil, err
	}
	m := &mosquitto{bin: bin, conf: conf, addr: fmt.Sprintf("127.0.0.1:%d", port)}
	return m, m.start()
}

func (m *mosquitto) start() error {
	m.cmd = exec.Command(m.bin, "-c", m.conf)
	m.cmd.Stderr = os.Stderr
	if err := m.cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", m.bin, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", m.addr); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	m.stop()
	return fmt.Errorf("mosquitto did not listen on %s within 10 s", m.addr)
}

// stop ends the broker gracefully (it saves its persistence file).
func (m *mosquitto) stop() error {
	if m.cmd == nil || m.cmd.Process == nil {
		return nil
	}
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- m.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = m.cmd.Process.Kill()
		<-done
	}
	m.cmd = nil
	return nil
}

func (m *mosquitto) url() string { return "tcp://" + m.addr }
func (m *mosquitto) pid() int    { return m.cmd.Process.Pid }
