package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// notifyConfig is a simulated home; stall_after is at its minimum so the
// test sees the pings stop quickly.
const notifyConfig = `
site: {id: notify-home, timezone: Europe/Berlin}
hardware: sim
store: {path: %q}
api: {socket: %q}
watchdog: {stall_after: 2s}
sensors:
  - {id: button, kind: call_button, driver: gpio, room: bedroom, options: {pin: GPIO17}}
  - {id: door, kind: door, driver: gpio, room: hall, options: {pin: GPIO22}}
`

// lockedBuffer collects the daemon's log while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// listenNotify listens where systemd would (NOTIFY_SOCKET) and returns each
// state line the daemon sends.
func listenNotify(tb testing.TB) (path string, states <-chan string) {
	tb.Helper()
	dir, err := os.MkdirTemp("", "sdnotify") // short: socket paths have a length limit
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	path = filepath.Join(dir, "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close() })
	ch := make(chan string, 1000)
	go func() {
		defer close(ch)
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			for _, line := range strings.Split(strings.TrimSpace(string(buf[:n])), "\n") {
				ch <- line
			}
		}
	}()
	return path, ch
}

// waitFor returns once want arrives, failing after timeout.
func waitFor(tb testing.TB, states <-chan string, want string, timeout time.Duration, log fmt.Stringer) {
	tb.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case s := <-states:
			if s == want {
				return
			}
		case <-deadline:
			tb.Fatalf("no %q from safehubd within %v; its log:\n%s", want, timeout, log)
		}
	}
}

// countIn counts want among the states received during d.
func countIn(states <-chan string, want string, d time.Duration) int {
	n := 0
	deadline := time.After(d)
	for {
		select {
		case s := <-states:
			if s == want {
				n++
			}
		case <-deadline:
			return n
		}
	}
}

func TestNotifyReadyAndWatchdogStopsWhenLoopStalls(t *testing.T) {
	bin := buildDaemon(t) // kill_test.go
	sock, states := listenNotify(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "safehub.yaml")
	cfg := fmt.Sprintf(notifyConfig, filepath.Join(dir, "box.db"), filepath.Join(dir, "api.sock"))
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(bin, "--config", cfgPath, "--debug-stall-signal")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "NOTIFY_SOCKET=") && !strings.HasPrefix(kv, "WATCHDOG_") {
			env = append(env, kv)
		}
	}
	// WatchdogSec=1s: the daemon pings every 500 ms.
	cmd.Env = append(env, "NOTIFY_SOCKET="+sock, "WATCHDOG_USEC=1000000")
	var log lockedBuffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-exited
		}
	})

	waitFor(t, states, "READY=1", 30*time.Second, &log)
	if n := countIn(states, "WATCHDOG=1", 3*time.Second); n < 3 {
		t.Fatalf("%d watchdog pings in 3 s of a healthy loop, want at least 3; log:\n%s", n, log.String())
	}

	if err := cmd.Process.Signal(syscall.SIGUSR2); err != nil {
		t.Fatal(err)
	}
	// The loop stops turning now; pings go on until it has been silent for
	// stall_after (2 s), plus at most one ping interval and a margin.
	countIn(states, "WATCHDOG=1", 4*time.Second)
	if n := countIn(states, "WATCHDOG=1", 3*time.Second); n != 0 {
		t.Fatalf("%d watchdog pings while the event loop was stuck, want 0; log:\n%s", n, log.String())
	}
	if !strings.Contains(log.String(), "event loop stalled") {
		t.Errorf("the stall was not logged; log:\n%s", log.String())
	}

	// SIGTERM still stops it cleanly, telling systemd first.
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitFor(t, states, "STOPPING=1", 10*time.Second, &log)
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("safehubd exited with %v after SIGTERM, want 0; log:\n%s", err, log.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("safehubd did not exit after SIGTERM; log:\n%s", log.String())
	}
}
