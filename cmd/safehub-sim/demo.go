package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"github.com/jonboulle/clockwork"
	"github.com/spf13/cobra"

	"github.com/safehub-iot/safehub/center/alarmdb"
	"github.com/safehub-iot/safehub/firmware-sim/scenario"
	"github.com/safehub-iot/safehub/internal/cli"
)

type demoFlags struct {
	cfgPath, scPath, httpAddr, operator, logLevel string
}

func demoCommand(stdout, stderr io.Writer) *cobra.Command {
	var f demoFlags
	cmd := &cobra.Command{
		Use:   "demo [flags]",
		Short: "Center console and one home looping a demo scenario on the real clock, until Ctrl-C",
		Long: `demo starts the center console in-process on its embedded broker, with a demo
operator, and one simulated home that loops a scenario on the real clock. Open the
console's address in a browser, log in, and watch the alarms arrive. Ctrl-C stops it.`,
		Example: `  safehub-sim demo
  safehub-sim demo --http 127.0.0.1:9090 --operator anna:correct-horse
  safehub-sim demo --scenario configs/scenarios/gas-leak.yaml`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmdDemo(cmd.Context(), f, stdout, stderr) },
	}
	fs := cmd.Flags()
	fs.StringVar(&f.cfgPath, "config", "configs/demo.yaml", "the home's safehubd config `file`")
	fs.StringVar(&f.scPath, "scenario", "configs/scenarios/demo.yaml", "the scenario `file` to loop")
	fs.StringVar(&f.httpAddr, "http", "127.0.0.1:8080", "web console `address` (a free port is used if it is taken)")
	fs.StringVar(&f.operator, "operator", "demo:safehub-demo", "demo operator `name:password`")
	fs.StringVar(&f.logLevel, "log-level", "warn", "log `level`: debug, info, warn, error")
	return cmd
}

// cmdDemo runs the center console (embedded broker, a demo operator) and
// one simulated home looping a scenario on the real clock, printing what
// happens, until ctx is done (Ctrl-C).
func cmdDemo(ctx context.Context, f demoFlags, stdout, stderr io.Writer) error {
	name, pw, ok := strings.Cut(f.operator, ":")
	if !ok || name == "" || pw == "" {
		return cli.Usagef("--operator: want name:password, got %q", f.operator)
	}
	log, err := newLogger(stderr, f.logLevel)
	if err != nil {
		return err
	}
	sc, err := scenario.Load(f.scPath)
	if err != nil {
		return cli.WithCode(exitScenario, err)
	}
	if !portFree(f.httpAddr) {
		fmt.Fprintf(stdout, "%s is taken; the console uses a free port instead\n", f.httpAddr)
		f.httpAddr = "127.0.0.1:0"
	}
	dir, err := os.MkdirTemp("", "safehub-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	out := &syncWriter{w: stdout}
	clock := clockwork.NewRealClock()
	s, err := startStack(ctx, stackOptions{
		configPath: f.cfgPath, dir: dir, clock: clock, log: log, httpAddr: f.httpAddr,
		operators: map[string]string{name: pw},
		onAlarm: func(a alarmdb.Alarm) {
			fmt.Fprintf(out, "%s  CENTER  new %s alarm from %s/%s (%s): %s\n", stamp(clock), a.Severity, a.Site, a.Sensor, a.Rule, a.Message)
		},
	})
	if err != nil {
		return err
	}
	defer s.close()
	fmt.Fprintf(out, "SafeHub demo\n  center console: %s   (log in as %s / %s)\n  center broker:  %s (embedded, demo mode)\n  home:           %s, %s on simulated hardware\n  scenario:       %s, looping; Ctrl-C to stop\n\n",
		s.center.HTTPURL(), name, pw, s.center.BrokerURL(), s.home.Site, f.cfgPath, sc.Name)

	evs, unsubscribe := s.home.Daemon.Pipeline().Subscribe(1024)
	printed := make(chan struct{})
	go func() {
		defer close(printed)
		for ev := range evs {
			fmt.Fprintf(out, "%s  HOME    %-8s %-16s %-15s %s\n", stamp(clock), ev.Severity, ev.Kind, ev.Sensor, ev.Message)
		}
	}()
	defer func() { unsubscribe(); <-printed }()

	for round := 1; ctx.Err() == nil; round++ {
		fmt.Fprintf(out, "%s  SIM     round %d of %q (%v)\n", stamp(clock), round, sc.Name, sc.Duration)
		err := scenario.Play(ctx, sc, s.home, scenario.RealTimeline{Clock: clock}, func(op scenario.Op) {
			what := string(op.Step.Do)
			if op.Phase == scenario.End {
				what += " ends"
			}
			fmt.Fprintf(out, "%s  SIM     %-25s %s\n", stamp(clock), what, op.Step.Device)
		})
		if errors.Is(err, context.Canceled) {
			break
		}
		if err != nil {
			return err
		}
	}
	fmt.Fprintln(out, "stopping")
	return nil
}

func stamp(c clockwork.Clock) string { return c.Now().Format("15:04:05.000") }

func portFree(addr string) bool {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return false
	}
	ln.Close()
	return true
}
