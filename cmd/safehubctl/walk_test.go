package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway/api"
)

// rfCode is a device's 24-bit code: its 20-bit address and 4 data bits.
func rfCode(addr uint32, data uint8) uint32 { return addr<<4 | uint32(data) }

// startCLI runs safehubctl in the background; out is readable while it
// runs.
func startCLI(ctx context.Context, out, errOut *syncBuffer, args ...string) <-chan int {
	done := make(chan int, 1)
	go func() { done <- runMain(ctx, args, out, errOut) }()
	return done
}

func testMode(tb testing.TB, b *box) bool {
	tb.Helper()
	code, out, errOut := runCLI(tb, "--socket", b.socket, "status", "--json")
	require.Equal(tb, exitOK, code, errOut)
	var st api.Status
	require.NoError(tb, json.Unmarshal([]byte(out), &st))
	return st.TestMode
}

func TestWalkTestCompletesAndWritesReport(t *testing.T) {
	b := startBox(t)
	reportPath := filepath.Join(b.dir, "report.json")
	var out, errOut syncBuffer
	done := startCLI(context.Background(), &out, &errOut, "--socket", b.socket,
		"sensors", "test", "--timeout", "30s", "--alarm=false", "--report", reportPath)
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "[ ] pendant-anna") }, 10*time.Second, 10*time.Millisecond)
	require.True(t, testMode(t, b), "test mode on during the walk test")

	require.NoError(t, b.bridge.Send(rfCode(0x12345, 0x8), 5)) // the pendant's button
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "[x] pendant-anna") }, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, b.bridge.Send(rfCode(0x54321, 0xA), 5)) // the door opens
	var code int
	select {
	case code = <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("walk test did not finish; output:\n%s", out.String())
	}
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
	require.Contains(t, out.String(), "Result: passed (2 passed, 0 missing")

	data, err := os.ReadFile(reportPath)
	require.NoError(t, err)
	var rep report
	require.NoError(t, json.Unmarshal(data, &rep))
	require.Equal(t, "demo-home", rep.Site)
	require.Equal(t, "passed", rep.Result)
	require.Empty(t, rep.Missing)
	got := map[string]api.WalkResult{}
	for _, p := range rep.Passed {
		got[p.Sensor] = p
	}
	require.Len(t, got, 2)
	require.Equal(t, "bedroom", got["pendant-anna"].Room)
	require.False(t, got["pendant-anna"].Time.Before(rep.Started.Add(-time.Second)))
	require.False(t, got["door-entrance"].Time.Before(got["pendant-anna"].Time), "door after pendant")

	// Test mode ended with the test, and what happened meanwhile is
	// marked test for the center.
	require.False(t, testMode(t, b))
	code, evOut, _ := runCLI(t, "--socket", b.socket, "events", "list", "--json")
	require.Equal(t, exitOK, code)
	var evs []event.Event
	require.NoError(t, json.Unmarshal([]byte(evOut), &evs))
	sensors := map[string]bool{}
	for _, ev := range evs {
		if ev.Sensor == "pendant-anna" || ev.Sensor == "door-entrance" {
			require.True(t, ev.Test, "event %s %s during the walk test is marked test", ev.Sensor, ev.Kind)
			sensors[ev.Sensor] = true
		}
	}
	require.True(t, sensors["pendant-anna"], "the pendant's alarm is in the log") // a door opening is a reading only under the built-in rules
}

func TestWalkTestEndsTestModeWhenCLIStops(t *testing.T) {
	tests := []struct {
		name    string
		timeout string
		cancel  bool
		want    int
	}{
		{name: "technician presses Ctrl-C", timeout: "10m", cancel: true, want: exitFailed},
		{name: "timeout with sensors missing", timeout: "1s", want: exitFailed},
	}
	b := startBox(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			reportPath := filepath.Join(b.dir, strings.ReplaceAll(tt.name, " ", "-")+".json")
			var out, errOut syncBuffer
			done := startCLI(ctx, &out, &errOut, "--socket", b.socket, "sensors", "test", "--timeout", tt.timeout, "--alarm=false", "--report", reportPath)
			if tt.cancel {
				require.Eventually(t, func() bool { return strings.Contains(out.String(), "[ ] door-entrance") }, 10*time.Second, 10*time.Millisecond)
				cancel()
			}
			require.Equal(t, tt.want, <-done, "stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
			require.Eventually(t, func() bool { return !testMode(t, b) }, 5*time.Second, 20*time.Millisecond, "test mode must end on the daemon too")
			data, err := os.ReadFile(reportPath)
			require.NoError(t, err)
			var rep report
			require.NoError(t, json.Unmarshal(data, &rep))
			require.Equal(t, "incomplete", rep.Result)
		})
	}
}

func TestPairAddsDeviceToConfig(t *testing.T) {
	b := startBox(t)
	var out, errOut syncBuffer
	done := startCLI(context.Background(), &out, &errOut, "--socket", b.socket,
		"pair", "smoke-kitchen", "--kind", "smoke", "--room", "kitchen", "--timeout", "20s")
	// The detector's test button, pressed until the box has learned it.
	var code int
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
wait:
	for {
		select {
		case code = <-done:
			break wait
		case <-tick.C:
			require.NoError(t, b.bridge.Send(rfCode(0xABCDE, 0x3), 4))
		}
	}
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
	require.Contains(t, out.String(), "paired smoke-kitchen: code ABCDE3")

	cfg, err := os.ReadFile(b.config)
	require.NoError(t, err)
	require.Contains(t, string(cfg), "# The demo home", "comments kept")
	require.Contains(t, string(cfg), "smoke-kitchen")
	code, st, _ := runCLI(t, "--socket", b.socket, "sensors", "list")
	require.Equal(t, exitOK, code)
	require.Equal(t, 1, lines(st, "smoke-kitchen"), "reloaded: the new sensor runs")

	// A second device under the same name is refused before listening.
	code, _, errOut2 := runCLI(t, "--socket", b.socket, "pair", "smoke-kitchen", "--kind", "smoke", "--timeout", "1s")
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut2, `a sensor named "smoke-kitchen" exists already`)
}
