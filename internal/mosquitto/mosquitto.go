// Package mosquitto runs a Mosquitto broker process on a loopback port:
// it writes the config file, starts the broker and waits until it accepts
// connections, stops it with SIGTERM (so it saves its persistence file)
// and starts it again on the same port. The test brokers of
// cloudlink/brokertest and the district benchmark of cmd/safehub-sim both
// launch Mosquitto through it; each chooses its own config lines.
package mosquitto

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// DefaultBin is the broker binary Start runs when Options.Bin is empty:
// where Debian's mosquitto package installs it.
const DefaultBin = "/usr/sbin/mosquitto"

// Options say how to run the broker.
type Options struct {
	// Bin is the mosquitto binary; DefaultBin if empty.
	Bin string
	// Dir holds the config file (mosquitto.conf) and, when Stderr is nil,
	// the broker's log (mosquitto.log). It must exist.
	Dir string
	// Port is the loopback port of the default listener; 0 picks one with
	// FreePort.
	Port int
	// Global are config lines before the default listener: settings
	// mosquitto wants first, such as "per_listener_settings true".
	Global []string
	// Config are config lines after the default listener: persistence,
	// limits, log settings, more listeners.
	Config []string
	// Stderr receives the broker's output; nil: Dir/mosquitto.log.
	Stderr io.Writer
}

// Broker is a running (or stopped) mosquitto process. Its methods may be
// called from several goroutines.
type Broker struct {
	opts Options
	conf string
	addr string

	mu     sync.Mutex
	cmd    *exec.Cmd     // nil while stopped
	exited chan struct{} // closed when cmd has exited
}

// Start writes the config file into o.Dir and starts the broker on
// 127.0.0.1, returning once it accepts connections (10 s at most).
func Start(o Options) (*Broker, error) {
	if o.Bin == "" {
		o.Bin = DefaultBin
	}
	if _, err := os.Stat(o.Bin); err != nil {
		return nil, fmt.Errorf("mosquitto: %w (install the mosquitto package)", err)
	}
	if o.Port == 0 {
		port, err := FreePort()
		if err != nil {
			return nil, err
		}
		o.Port = port
	}
	b := &Broker{opts: o, conf: filepath.Join(o.Dir, "mosquitto.conf"), addr: fmt.Sprintf("127.0.0.1:%d", o.Port)}
	lines := append(append(append([]string(nil), o.Global...), fmt.Sprintf("listener %d 127.0.0.1", o.Port)), o.Config...)
	if err := os.WriteFile(b.conf, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("mosquitto: write config: %w", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.start(); err != nil {
		return nil, err
	}
	return b, nil
}

// start runs the broker; b.mu is held.
func (b *Broker) start() error {
	var err error
	for range 3 { // the port can be taken between FreePort and bind: retry
		cmd := exec.Command(b.opts.Bin, "-c", b.conf)
		var logf *os.File
		if b.opts.Stderr != nil {
			cmd.Stdout, cmd.Stderr = b.opts.Stderr, b.opts.Stderr
		} else {
			if logf, err = os.OpenFile(b.logPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); err != nil {
				return fmt.Errorf("mosquitto: log: %w", err)
			}
			cmd.Stdout, cmd.Stderr = logf, logf
		}
		err = cmd.Start()
		if logf != nil {
			logf.Close() // the process has its own descriptor
		}
		if err != nil {
			return fmt.Errorf("start %s: %w", b.opts.Bin, err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		ready := make(chan error, 1)
		go func() { ready <- WaitListening(b.addr, 10*time.Second) }()
		select {
		case err = <-ready:
			select {
			case <-exited:
				// Something else answered on the port, or Mosquitto
				// opened its first listener and then failed on another.
				err = fmt.Errorf("mosquitto exited at start: %s", b.logText())
				continue
			default:
			}
			if err == nil {
				b.cmd, b.exited = cmd, exited
				return nil
			}
			_ = cmd.Process.Kill()
			<-exited
		case <-exited:
			err = fmt.Errorf("mosquitto exited at start: %s", b.logText())
			time.Sleep(100 * time.Millisecond)
		}
	}
	return fmt.Errorf("mosquitto on %s: %w", b.addr, err)
}

// Stop sends SIGTERM (mosquitto saves its persistence file) and waits for
// the process to exit and the port to close. A broker that does not exit
// within 10 s is killed, and Stop says so. Stopping a stopped broker does
// nothing.
func (b *Broker) Stop() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cmd == nil {
		return nil
	}
	proc := b.cmd.Process
	if err := proc.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop mosquitto: %w", err)
	}
	var err error
	select {
	case <-b.exited:
	case <-time.After(10 * time.Second):
		_ = proc.Kill()
		<-b.exited
		err = errors.New("stop mosquitto: it did not stop within 10s of SIGTERM; killed")
	}
	b.cmd = nil
	if cerr := WaitClosed(b.addr, 5*time.Second); cerr != nil && err == nil {
		err = fmt.Errorf("stop mosquitto: %w", cerr)
	}
	return err
}

// Kill ends the broker at once, without saving anything: the end of a
// test. Killing a stopped broker does nothing.
func (b *Broker) Kill() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cmd != nil {
		_ = b.cmd.Process.Kill()
		<-b.exited
		b.cmd = nil
	}
}

// Restart starts a stopped broker again with the same config and port; a
// running broker is left alone.
func (b *Broker) Restart() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cmd != nil {
		return nil
	}
	return b.start()
}

// URL is the client URL, e.g. "tcp://127.0.0.1:22883".
func (b *Broker) URL() string { return "tcp://" + b.addr }

// Addr is host:port of the default listener.
func (b *Broker) Addr() string { return b.addr }

// Conf is the path of the config file.
func (b *Broker) Conf() string { return b.conf }

// Pid is the process id of the running broker, 0 while stopped.
func (b *Broker) Pid() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cmd == nil {
		return 0
	}
	return b.cmd.Process.Pid
}

// Log is what the broker has logged to Dir/mosquitto.log (when
// Options.Stderr is nil).
func (b *Broker) Log() string { return b.logText() }

func (b *Broker) logPath() string { return filepath.Join(b.opts.Dir, "mosquitto.log") }

func (b *Broker) logText() string {
	if b.opts.Stderr != nil {
		return "(see its output)"
	}
	data, err := os.ReadFile(b.logPath())
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	return string(data)
}
