package main

import (
	"context"
	"io"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/safehub-iot/safehub/internal/cli"
)

// Exit codes.
const (
	exitOK       = cli.OK
	exitFailed   = cli.Failed // a scenario's outcome did not match, or a run failed
	exitUsage    = cli.Usage  // bad command line
	exitScenario = 3          // a scenario file has mistakes
)

const rootLong = `safehub-sim runs simulated SafeHub homes against a center console: each home is
the real safehubd pipeline (drivers, rules, store, cloud link) on simulated devices.

  run       run one home through each scenario on a fake clock and check the declared outcome
  demo      center console and one home looping a demo scenario on the real clock, until Ctrl-C
  district  N homes against a broker with the center: memory, CPU, alarm latency, loss, recovery
  idle      one home's daemon, nothing happening: resident memory and CPU

Exit codes:
  0  success
  1  a scenario's outcome did not match, or a run failed
  2  usage: a wrong command, flag or argument
  3  a scenario file has mistakes (each one is listed with its line)`

// Run is safehub-sim's command line; main maps its error to the exit code
// with cli.Exit.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return cli.Execute(ctx, newRoot(stdout, stderr), args)
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "safehub-sim",
		Short: "Simulated SafeHub homes against a center console",
		Long:  rootLong,
		Example: `  safehub-sim run configs/scenarios/gas-leak.yaml
  safehub-sim demo
  safehub-sim district --homes 200 --alarms 200 --rate 50`,
		Args: cobra.NoArgs,
		// A bare safehub-sim is a usage mistake, as before cobra.
		RunE: func(*cobra.Command, []string) error {
			return cli.Usagef("name a command: run, demo, district or idle")
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(runCommand(stdout, stderr), demoCommand(stdout, stderr), districtCommand(stdout, stderr), idleCommand(stdout, stderr))
	return root
}

// newLogger logs to w at the given level ("debug", "info", "warn",
// "error").
func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, cli.Usagef("--log-level: %q (want debug, info, warn or error)", level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// noArgs is cobra.NoArgs with the message safehub-sim gave before cobra.
func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return cli.Usagef("%s: unexpected argument %q", c.Name(), args[0])
	}
	return nil
}
