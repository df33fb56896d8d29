package daemon_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"
	"periph.io/x/conn/v3/gpio"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/firmware-sim/simhw"
	"github.com/safehub-iot/safehub/gateway/clocksync"
	"github.com/safehub-iot/safehub/gateway/daemon"
)

// startBox is startHome with the box's directory and a clock source chosen
// by the test.
func startBox(tb testing.TB, dir string, clockSrc clocksync.Source, prepare func(*simhw.Hardware)) *home {
	tb.Helper()
	return bootBox(tb, dir, boxOptions{clockSrc: clockSrc, prepare: prepare})
}

// boxOptions are what a test may choose about the box it boots.
type boxOptions struct {
	clockSrc clocksync.Source
	prepare  func(*simhw.Hardware)
	rules    string               // a rules file; "" for the built-in rules
	clock    *clockwork.FakeClock // nil: a new one at 03:00
}

// bootBox boots a box in dir: a restart when dir holds a box's store.
func bootBox(tb testing.TB, dir string, o boxOptions) *home {
	tb.Helper()
	cfgPath := filepath.Join(dir, "safehub.yaml")
	cfg := fmt.Sprintf(homeConfig, filepath.Join(dir, "box.db"), filepath.Join(dir, "api.sock"))
	if o.rules != "" {
		rulesPath := filepath.Join(dir, "rules.yaml")
		require.NoError(tb, os.WriteFile(rulesPath, []byte(o.rules), 0o600))
		cfg += fmt.Sprintf("rules: {file: %q}\n", rulesPath)
	}
	require.NoError(tb, os.WriteFile(cfgPath, []byte(cfg), 0o600))
	clock := o.clock
	if clock == nil {
		clock = clockwork.NewFakeClockAt(time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC))
	}
	hw := simhw.New(clock)
	if o.prepare != nil {
		o.prepare(hw)
	}
	clockSrc := o.clockSrc
	ctx, cancel := context.WithCancel(context.Background())
	d, err := daemon.New(ctx, daemon.Options{ConfigPath: cfgPath, Hardware: hw, Clock: clock, ClockSource: clockSrc})
	require.NoError(tb, err)
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	h := &home{d: d, hw: hw, clock: clock, dir: dir, opts: o}
	h.stop = func() {
		cancel()
		for {
			select {
			case err := <-done:
				require.NoError(tb, err)
				return
			case <-time.After(time.Millisecond):
				clock.Advance(time.Second)
			}
		}
	}
	tb.Cleanup(func() {
		if ctx.Err() == nil {
			h.stop()
		}
	})
	return h
}

// restart stops the box and boots it again from its directory on fresh
// hardware (prepare sets its pins before the drivers open them), on the
// same clock.
func (h *home) restart(tb testing.TB, prepare func(*simhw.Hardware)) *home {
	tb.Helper()
	h.stop()
	o := h.opts
	o.prepare, o.clock = prepare, h.clock
	return bootBox(tb, h.dir, o)
}

// synced is a clock source the test flips.
type synced struct{ on atomic.Bool }

func (s *synced) ClockStatus() (clocksync.Status, error) {
	return clocksync.Status{Synced: s.on.Load()}, nil
}

func TestCorruptStoreIsMovedAsideWithCriticalFault(t *testing.T) {
	dir := t.TempDir()
	garbage := []byte(strings.Repeat("this is not an SQLite database; the SD card ate it. ", 200))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "box.db"), garbage, 0o600))

	h := startBox(t, dir, &synced{}, nil)
	h.settle(t, func() bool {
		for _, ev := range h.events(t, event.SensorFault) {
			if ev.Sensor == "box" {
				return true
			}
		}
		return false
	})
	var fault event.Event
	for _, ev := range h.events(t, event.SensorFault) {
		if ev.Sensor == "box" {
			fault = ev
		}
	}
	require.Equal(t, event.Critical, fault.Severity)
	require.Contains(t, fault.Message, "corrupt")
	aside, err := filepath.Glob(filepath.Join(dir, "box.db.corrupt-*"))
	require.NoError(t, err)
	require.Len(t, aside, 1, "the corrupt file is kept for inspection")
	got, err := os.ReadFile(aside[0])
	require.NoError(t, err)
	require.Equal(t, garbage, got)

	// The fresh store works: the box still raises alarms.
	h.waitHealth(t, allOK)
	h.hw.Pins.Set("GPIO17", gpio.Low)
	h.settle(t, func() bool { return len(h.events(t, event.AlarmRaised)) == 1 })
}

func TestEventsBeforeClockSyncAreMarkedUnsure(t *testing.T) {
	src := &synced{}
	h := startBox(t, t.TempDir(), src, func(hw *simhw.Hardware) { hw.Pins.Set("GPIO22", gpio.Low) }) // shut
	h.waitHealth(t, allOK)
	h.hw.Pins.Set("GPIO22", gpio.High) // door opens before NTP has synced
	h.settle(t, func() bool { return len(h.events(t, event.StateChange)) == 1 })
	src.on.Store(true)
	h.hw.Pins.Set("GPIO22", gpio.Low)
	h.settle(t, func() bool { return len(h.events(t, event.StateChange)) == 2 })
	evs := h.events(t, event.StateChange)
	require.True(t, evs[0].ClockUnsure, "event before sync: clock_unsure")
	require.False(t, evs[1].ClockUnsure, "event after sync: clock trusted")
}
