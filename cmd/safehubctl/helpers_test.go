package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"text/template"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/firmware-sim/serialsim"
	"github.com/safehub-iot/safehub/firmware-sim/simhw"
	"github.com/safehub-iot/safehub/gateway/daemon"
	"github.com/safehub-iot/safehub/internal/cli"
)

// safehubdBin is the daemon built once for the package's tests.
var safehubdBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "safehubctl-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	safehubdBin = filepath.Join(dir, "safehubd")
	build := exec.Command("go", "build", "-tags", "simhw", "-o", safehubdBin, "github.com/safehub-iot/safehub/cmd/safehubd")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build safehubd:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// box is a safehubd process on simulated hardware.
type box struct {
	dir    string
	config string
	socket string
	bridge *serialsim.RFBridge
	cmd    *exec.Cmd
	log    *bytes.Buffer
	exited chan struct{}
}

// startBox writes testdata/home.yaml for a fresh directory, with a
// simulated RF bridge, and starts safehubd on it; it waits for the socket.
func startBox(tb testing.TB) *box {
	tb.Helper()
	br, err := serialsim.NewRFBridge()
	require.NoError(tb, err)
	tb.Cleanup(func() { br.Close() })
	// A short directory: unix socket paths are limited to 108 bytes.
	dir, err := os.MkdirTemp("", "shc")
	require.NoError(tb, err)
	tb.Cleanup(func() { os.RemoveAll(dir) })
	b := &box{dir: dir, config: filepath.Join(dir, "safehub.yaml"), socket: filepath.Join(dir, "api.sock"), bridge: br}
	writeTemplate(tb, "testdata/home.yaml", b.config, map[string]string{"Dir": dir, "Bridge": br.Path()})
	b.start(tb)
	return b
}

func writeTemplate(tb testing.TB, src, dst string, data any) {
	tb.Helper()
	tmpl, err := template.ParseFiles(src)
	require.NoError(tb, err)
	var buf bytes.Buffer
	require.NoError(tb, tmpl.Execute(&buf, data))
	require.NoError(tb, os.WriteFile(dst, buf.Bytes(), 0o640))
}

func (b *box) start(tb testing.TB) {
	tb.Helper()
	b.log = &bytes.Buffer{}
	b.cmd = exec.Command(safehubdBin, "--config", b.config)
	b.cmd.Stderr = b.log
	require.NoError(tb, b.cmd.Start())
	b.exited = make(chan struct{})
	go func() { b.cmd.Wait(); close(b.exited) }()
	tb.Cleanup(func() { b.stop(tb) })
	require.Eventually(tb, func() bool {
		code, _, _ := runCLI(tb, "--socket", b.socket, "status")
		return code == exitOK
	}, 10*time.Second, 50*time.Millisecond, "safehubd did not answer; its log:\n%s", b.log)
}

// stop sends SIGTERM and waits for the process to exit.
func (b *box) stop(tb testing.TB) {
	tb.Helper()
	select {
	case <-b.exited:
		return
	default:
	}
	b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-b.exited:
	case <-time.After(10 * time.Second):
		b.cmd.Process.Kill()
		tb.Errorf("safehubd did not stop on SIGTERM; log:\n%s", b.log)
	}
}

// runCLI runs safehubctl in-process and returns its exit code and output.
func runCLI(tb testing.TB, args ...string) (int, string, string) {
	tb.Helper()
	return runCLICtx(context.Background(), args...)
}

func runCLICtx(ctx context.Context, args ...string) (int, string, string) {
	var out, errOut syncBuffer
	code := runMain(ctx, args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// runMain runs safehubctl's command line as main does and returns its exit
// code.
func runMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return cli.Exit(stderr, "safehubctl", Run(ctx, args, stdout, stderr))
}

// lines counts the lines of s containing sub.
func lines(s, sub string) int {
	n := 0
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			n++
		}
	}
	return n
}

// simBox is safehubd running in the test's process on simulated pins and
// a fake clock, for tests that read an output pin's level or drive time.
type simBox struct {
	d      *daemon.Daemon
	hw     *simhw.Hardware
	clock  *clockwork.FakeClock
	socket string
}

// startSimBox runs testdata/pins.yaml in a fresh directory; prepare may
// break pins before the daemon opens them. It waits for the socket and
// stops the daemon when the test ends.
func startSimBox(tb testing.TB, prepare func(*simhw.Hardware)) *simBox {
	tb.Helper()
	dir, err := os.MkdirTemp("", "shc") // short: unix socket paths are limited to 108 bytes
	require.NoError(tb, err)
	tb.Cleanup(func() { os.RemoveAll(dir) })
	cfg := filepath.Join(dir, "safehub.yaml")
	writeTemplate(tb, "testdata/pins.yaml", cfg, map[string]string{"Dir": dir})
	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	hw := simhw.New(clock)
	if prepare != nil {
		prepare(hw)
	}
	var log syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	d, err := daemon.New(ctx, daemon.Options{ConfigPath: cfg, Hardware: hw, Clock: clock,
		Log: slog.New(slog.NewTextHandler(&log, nil))})
	require.NoError(tb, err)
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		for { // shutdown may wait on the fake clock
			select {
			case err := <-done:
				require.NoError(tb, err, "safehubd log:\n%s", &log)
				return
			case <-time.After(time.Millisecond):
				clock.Advance(time.Second)
			}
		}
	})
	b := &simBox{d: d, hw: hw, clock: clock, socket: filepath.Join(dir, "api.sock")}
	require.Eventually(tb, func() bool {
		code, _, _ := runCLI(tb, "--socket", b.socket, "status")
		return code == exitOK
	}, 10*time.Second, 10*time.Millisecond, "safehubd did not answer; its log:\n%s", &log)
	return b
}
