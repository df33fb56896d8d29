package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
)

// Exit codes.
const (
	exitOK       = 0
	exitFailed   = 1 // a scenario's outcome did not match, or a run failed
	exitUsage    = 2 // bad command line
	exitScenario = 3 // a scenario file has mistakes
)

var errUsage = errors.New("usage")

type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

const usage = `safehub-sim runs simulated SafeHub homes against a center console.

  safehub-sim run [flags] SCENARIO.yaml...   run one home through each scenario on a fake
                                             clock and check the declared outcome
  safehub-sim demo [flags]                   center console and one home looping a demo
                                             scenario on the real clock, until Ctrl-C
  safehub-sim district [flags]               N homes against a broker with the center:
                                             memory, CPU, alarm latency, loss, recovery
  safehub-sim idle [flags]                   one home's daemon, nothing happening: resident
                                             memory and CPU

Run "safehub-sim COMMAND -h" for a command's flags.
`

// Run is safehub-sim's command line; it returns the exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "run":
		err = cmdRun(ctx, args[1:], stdout, stderr)
	case "demo":
		err = cmdDemo(ctx, args[1:], stdout, stderr)
	case "district":
		err = cmdDistrict(ctx, args[1:], stdout, stderr)
	case "idle":
		err = cmdIdle(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "safehub-sim: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	if err == nil {
		return exitOK
	}
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		fmt.Fprintln(stderr, "safehub-sim:", ee.err)
		return ee.code
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errUsage):
		fmt.Fprintln(stderr, "safehub-sim:", err)
		return exitUsage
	}
	fmt.Fprintln(stderr, "safehub-sim:", err)
	return exitFailed
}

// newLogger logs to w at the given level ("debug", "info", "warn",
// "error").
func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("%w: --log-level: %q (want debug, info, warn or error)", errUsage, level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}
