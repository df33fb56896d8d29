package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/safehub-iot/safehub/firmware-sim/simhome"
)

// cmdIdle runs one home (the real daemon with its ten sensors on
// simulated hardware) on the real clock with nothing happening, and prints
// its resident memory and CPU use.
func cmdIdle(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("safehub-sim idle", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "configs/demo.yaml", "the home's safehubd config `file`")
	broker := fs.String("broker", "", "MQTT broker `url` for the home's cloud link (default: no link)")
	warm := fs.Duration("warmup", 45*time.Second, "how `long` to let the home settle (gas sensor warm-up) before measuring")
	window := fs.Duration("for", time.Minute, "how `long` to measure")
	logLevel := fs.String("log-level", "error", "log `level`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *window <= 0 || *warm < 0 {
		return fmt.Errorf("%w: --for must be more than 0 and --warmup not negative", errUsage)
	}
	log, err := newLogger(stderr, *logLevel)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "safehub-idle-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	h, err := simhome.Start(ctx, simhome.Options{ConfigPath: *cfgPath, Dir: filepath.Join(dir, "home"), BrokerURL: *broker, Clock: clockwork.NewRealClock(), Log: log})
	if err != nil {
		return err
	}
	defer h.Close()
	link := "no cloud link"
	if *broker != "" {
		link = "cloud link to " + *broker
	}
	fmt.Fprintf(stdout, "idle: %s, %d sensors on simulated hardware, %s, GOMAXPROCS %d\n", *cfgPath, len(h.Daemon.Pipeline().Health()), link, runtime.GOMAXPROCS(0))
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(*warm):
	}
	m, err := startCPU(os.Getpid())
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(*window):
	}
	cpu, err := m.percent()
	if err != nil {
		return err
	}
	rss, err := rssBytes(os.Getpid())
	if err != nil {
		return err
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(stdout, "idle: resident memory %.1f MiB (Go heap in use %.1f MiB, %d goroutines); CPU %.2f%% of one core over %v\n",
		float64(rss)/(1<<20), float64(ms.HeapInuse)/(1<<20), runtime.NumGoroutine(), cpu, *window)
	return nil
}
