package mosquitto

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func options(tb testing.TB, config ...string) Options {
	tb.Helper()
	dir := tb.TempDir()
	return Options{Dir: dir, Global: []string{"user root"}, Config: append([]string{
		"allow_anonymous true", "persistence true", "persistence_location " + dir + "/",
		"log_dest stderr", "log_type error", "log_type warning",
	}, config...)}
}

func accepts(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func TestStartStopRestart(t *testing.T) {
	b, err := Start(options(t))
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(b.Kill)
	if !accepts(b.Addr()) || b.Pid() == 0 {
		t.Fatalf("after Start: accepts %v, pid %d; want a running broker on %s", accepts(b.Addr()), b.Pid(), b.Addr())
	}
	if got, want := b.URL(), "tcp://"+b.Addr(); got != want {
		t.Fatalf("URL: got %q, want %q", got, want)
	}
	if err := b.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if accepts(b.Addr()) || b.Pid() != 0 {
		t.Fatalf("after Stop: accepts %v, pid %d; want no broker", accepts(b.Addr()), b.Pid())
	}
	if err := b.Stop(); err != nil {
		t.Fatalf("Stop of a stopped broker: got %v, want nil", err)
	}
	if err := b.Restart(); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	if !accepts(b.Addr()) {
		t.Fatalf("after Restart: nothing accepts on %s", b.Addr())
	}
}

func TestStartFails(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*Options)
		wantErr string
	}{
		{name: "missing binary", change: func(o *Options) { o.Bin = filepath.Join(o.Dir, "no-mosquitto") }, wantErr: "install the mosquitto package"},
		{name: "bad config", change: func(o *Options) { o.Config = append(o.Config, "no_such_option 1") }, wantErr: "mosquitto exited at start"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := options(t)
			tt.change(&o)
			b, err := Start(o)
			if err == nil {
				b.Kill()
				t.Fatalf("Start: got a broker, want an error containing %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Start: got %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestFreePortIsBelowTheEphemeralRange(t *testing.T) {
	lo, hi := portRange()
	for range 20 {
		port, err := FreePort()
		if err != nil {
			t.Fatalf("FreePort: %v", err)
		}
		if port < lo || port >= hi {
			t.Fatalf("FreePort: got %d, want %d-%d", port, lo, hi-1)
		}
	}
}
