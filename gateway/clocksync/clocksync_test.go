package clocksync

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSource returns whatever status it was last given.
type fakeSource struct {
	mu  sync.Mutex
	st  Status
	err error
}

func (f *fakeSource) set(st Status, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.st, f.err = st, err
}

func (f *fakeSource) ClockStatus() (Status, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st, f.err
}

func TestUnsure(t *testing.T) {
	tests := []struct {
		name string
		st   Status
		err  error
		want bool
	}{
		{"synced", Status{Synced: true, MaxError: 50 * time.Millisecond}, nil, false},
		{"not synced", Status{Synced: false}, nil, true},
		{"error bound too large", Status{Synced: true, MaxError: 6 * time.Second}, nil, true},
		{"bound at the limit", Status{Synced: true, MaxError: DefaultMaxError}, nil, false},
		{"unreadable", Status{}, errors.New("operation not permitted"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &fakeSource{}
			src.set(tt.st, tt.err)
			if got := New(src, nil, 0).Unsure(); got != tt.want {
				t.Errorf("Unsure() = %v, want %v", got, tt.want)
			}
		})
	}
}

// syncedLog is a logger whose output the test can read while others write.
type syncedLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *syncedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *syncedLog) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.buf.String(), s)
}

func TestLogsEachChangeOnce(t *testing.T) {
	var out syncedLog
	src := &fakeSource{}
	c := New(src, slog.New(slog.NewTextHandler(&out, nil)), 0)
	for range 3 {
		if !c.Unsure() {
			t.Fatal("Unsure() = false before sync, want true")
		}
	}
	src.set(Status{Synced: true, MaxError: 20 * time.Millisecond}, nil)
	for range 3 {
		if c.Unsure() {
			t.Fatal("Unsure() = true after sync, want false")
		}
	}
	src.set(Status{}, errors.New("operation not permitted"))
	c.Unsure()
	c.Unsure()
	for _, tt := range []struct {
		msg  string
		want int
	}{
		{"system clock not synchronized", 1},
		{"system clock synchronized; events are no longer marked", 1},
		{"system clock lost synchronization", 1},
		{"cannot read the clock's sync status", 1},
	} {
		if got := out.count(tt.msg); got != tt.want {
			t.Errorf("log has %q %d times, want %d; log:\n%s", tt.msg, got, tt.want, out.buf.String())
		}
	}
}

func TestWatchLogsSyncWithoutEvents(t *testing.T) {
	var out syncedLog
	src := &fakeSource{}
	c := New(src, slog.New(slog.NewTextHandler(&out, nil)), 0)
	tick := make(chan time.Time)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Watch(ctx, tick) }()
	tick <- time.Time{} // the first check has run once this is taken
	src.set(Status{Synced: true}, nil)
	tick <- time.Time{}
	tick <- time.Time{} // the second check is done once this is taken
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Watch = %v, want nil", err)
	}
	if got := out.count("events are no longer marked clock_unsure"); got != 1 {
		t.Errorf("sync logged %d times, want 1; log:\n%s", got, out.buf.String())
	}
}
