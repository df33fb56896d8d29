package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/spf13/cobra"

	"github.com/safehub-iot/safehub/firmware-sim/simhome"
	"github.com/safehub-iot/safehub/internal/cli"
)

type idleFlags struct {
	cfgPath, broker, logLevel string
	warm, window              time.Duration
}

func idleCommand(stdout, stderr io.Writer) *cobra.Command {
	var f idleFlags
	cmd := &cobra.Command{
		Use:   "idle [flags]",
		Short: "One home's daemon, nothing happening: resident memory and CPU",
		Long: `idle runs one home (the real daemon with its sensors on simulated hardware) on the
real clock with nothing happening, lets it settle, and prints its resident memory and
CPU use over the measuring window: the idle figures of docs/benchmarks.md.`,
		Example: `  safehub-sim idle
  mosquitto -p 18830 & safehub-sim idle --broker tcp://127.0.0.1:18830
  safehub-sim idle --warmup 10s --for 30s`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmdIdle(cmd.Context(), f, stdout, stderr) },
	}
	fs := cmd.Flags()
	fs.StringVar(&f.cfgPath, "config", "configs/demo.yaml", "the home's safehubd config `file`")
	fs.StringVar(&f.broker, "broker", "", "MQTT broker `url` for the home's cloud link (default: no link)")
	fs.DurationVar(&f.warm, "warmup", 45*time.Second, "how `long` to let the home settle (gas sensor warm-up) before measuring")
	fs.DurationVar(&f.window, "for", time.Minute, "how `long` to measure")
	fs.StringVar(&f.logLevel, "log-level", "error", "log `level`")
	return cmd
}

// cmdIdle runs one home (the real daemon with its ten sensors on
// simulated hardware) on the real clock with nothing happening, and prints
// its resident memory and CPU use.
func cmdIdle(ctx context.Context, f idleFlags, stdout, stderr io.Writer) error {
	if f.window <= 0 || f.warm < 0 {
		return cli.Usagef("--for must be more than 0 and --warmup not negative")
	}
	log, err := newLogger(stderr, f.logLevel)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "safehub-idle-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	h, err := simhome.Start(ctx, simhome.Options{ConfigPath: f.cfgPath, Dir: filepath.Join(dir, "home"), BrokerURL: f.broker, Clock: clockwork.NewRealClock(), Log: log})
	if err != nil {
		return err
	}
	defer h.Close()
	link := "no cloud link"
	if f.broker != "" {
		link = "cloud link to " + f.broker
	}
	fmt.Fprintf(stdout, "idle: %s, %d sensors on simulated hardware, %s, GOMAXPROCS %d\n", f.cfgPath, len(h.Daemon.Pipeline().Health()), link, runtime.GOMAXPROCS(0))
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(f.warm):
	}
	m, err := startCPU(os.Getpid())
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(f.window):
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
		float64(rss)/(1<<20), float64(ms.HeapInuse)/(1<<20), runtime.NumGoroutine(), cpu, f.window)
	return nil
}
