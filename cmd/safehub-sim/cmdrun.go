package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/safehub-iot/safehub/firmware-sim/scenario"
	"github.com/safehub-iot/safehub/internal/cli"
)

func runCommand(stdout, stderr io.Writer) *cobra.Command {
	var cfgPath, logLevel string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "run [flags] SCENARIO.yaml...",
		Short: "Run one home through each scenario on a fake clock and check the declared outcome",
		Long: `run plays each scenario file through one simulated home (the real safehubd pipeline
on simulated devices) against the center on its embedded broker, on a fake clock, and
checks that the alarms at the center are the ones the scenario declares.
See docs/scenarios.md for the file format.`,
		Example: `  safehub-sim run configs/scenarios/gas-leak.yaml          # one scenario, step by step
  safehub-sim run -q configs/scenarios/*.yaml              # all of them, verdicts only
  safehub-sim run --config my-home.yaml my-scenario.yaml   # another home's config`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cli.Usagef("run: name at least one scenario file")
			}
			log, err := newLogger(stderr, logLevel)
			if err != nil {
				return err
			}
			return cmdRun(cmd.Context(), args, cfgPath, quiet, stdout, log)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&cfgPath, "config", "configs/demo.yaml", "the home's safehubd config `file`")
	fs.StringVar(&logLevel, "log-level", "error", "log `level` of the home and center: debug, info, warn, error")
	fs.BoolVarP(&quiet, "q", "q", false, "print only each scenario's verdict")
	return cmd
}

func cmdRun(ctx context.Context, paths []string, cfgPath string, quiet bool, stdout io.Writer, log *slog.Logger) error {
	var scs []*scenario.Scenario
	var parseErrs []error
	for _, path := range paths {
		sc, err := scenario.Load(path)
		if err != nil {
			parseErrs = append(parseErrs, err)
			continue
		}
		scs = append(scs, sc)
	}
	if len(parseErrs) > 0 {
		return cli.WithCode(exitScenario, errors.Join(parseErrs...))
	}
	failed := 0
	for i, sc := range scs {
		var out io.Writer = stdout
		if quiet {
			out = nil
		}
		fmt.Fprintf(stdout, "=== %s (%s)\n", sc.Name, paths[i])
		began := time.Now()
		o, err := runScenario(ctx, cfgPath, sc, out, log)
		switch {
		case err != nil:
			failed++
			fmt.Fprintf(stdout, "--- ERROR %s: %v\n", sc.Name, err)
		case len(o.Mismatches) > 0:
			failed++
			fmt.Fprintf(stdout, "--- FAIL %s (%d alarms at the center)\n", sc.Name, len(o.Alarms))
			for _, m := range o.Mismatches {
				fmt.Fprintln(stdout, "    "+m)
			}
		default:
			fmt.Fprintf(stdout, "--- PASS %s: %d alarms at the center as declared (%v simulated in %.1fs)\n",
				sc.Name, len(o.Alarms), sc.Duration, time.Since(began).Seconds())
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if failed > 0 {
		return cli.WithCode(exitFailed, fmt.Errorf("%d of %d scenarios failed", failed, len(scs)))
	}
	return nil
}
