package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/safehub-iot/safehub/firmware-sim/scenario"
)

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("safehub-sim run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "configs/demo.yaml", "the home's safehubd config `file`")
	logLevel := fs.String("log-level", "error", "log `level` of the home and center: debug, info, warn, error")
	quiet := fs.Bool("q", false, "print only each scenario's verdict")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: safehub-sim run [flags] SCENARIO.yaml...")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: run: name at least one scenario file", errUsage)
	}
	log, err := newLogger(stderr, *logLevel)
	if err != nil {
		return err
	}
	var scs []*scenario.Scenario
	var parseErrs []error
	for _, path := range fs.Args() {
		sc, err := scenario.Load(path)
		if err != nil {
			parseErrs = append(parseErrs, err)
			continue
		}
		scs = append(scs, sc)
	}
	if len(parseErrs) > 0 {
		return &exitError{code: exitScenario, err: errors.Join(parseErrs...)}
	}
	failed := 0
	for i, sc := range scs {
		var out io.Writer = stdout
		if *quiet {
			out = nil
		}
		fmt.Fprintf(stdout, "=== %s (%s)\n", sc.Name, fs.Arg(i))
		began := time.Now()
		o, err := runScenario(ctx, *cfgPath, sc, out, log)
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
		return &exitError{code: exitFailed, err: fmt.Errorf("%d of %d scenarios failed", failed, len(scs))}
	}
	return nil
}
