// Package cli is what the four SafeHub commands (safehubd, safehubctl,
// safehub-center, safehub-sim) share on their command line: one type that
// carries an exit code, one mapping from errors to exit codes, and one way
// to run a cobra command tree so that a mistake on the command line is
// always a usage error (exit 2) and --help always exits 0.
//
// A command's main.go is then a few lines:
//
//	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
//	defer stop()
//	os.Exit(cli.Exit(os.Stderr, "safehub-sim", Run(ctx, os.Args[1:], os.Stdout, os.Stderr)))
//
// where Run builds the command tree and returns cli.Execute's error.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Exit codes every command shares; a command adds its own from 3 up.
const (
	OK     = 0 // success, and --help
	Failed = 1 // the command ran and failed
	Usage  = 2 // a wrong command, flag or argument
)

// ErrUsage marks a mistake on the command line: errors.Is(err, ErrUsage)
// holds for every usage error Execute returns and for every error made by
// Usagef, and Code maps it to exit code 2.
var ErrUsage = errors.New("usage")

// ExitError is an error with the exit code the command ends with.
type ExitError struct {
	Code int
	Err  error
	// Help is the command path whose --help the message points to, e.g.
	// "safehub-sim run"; set by Execute for usage errors.
	Help string
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// Is makes an ExitError with code 2 a usage error: errors.Is(err, ErrUsage).
func (e *ExitError) Is(target error) bool { return target == ErrUsage && e.Code == Usage }

// WithCode gives err the exit code code; nil stays nil.
func WithCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &ExitError{Code: code, Err: err}
}

// Usagef is a usage error (exit 2) with a message formatted as by
// fmt.Errorf; %w wraps as there.
func Usagef(format string, args ...any) error {
	return &ExitError{Code: Usage, Err: fmt.Errorf(format, args...)}
}

// Code is the exit code for err: 0 for nil and for a help request, the
// code of the outermost ExitError, 2 for a usage error, else 1.
func Code(err error) int {
	var ee *ExitError
	switch {
	case err == nil, errors.Is(err, pflag.ErrHelp):
		return OK
	case errors.As(err, &ee):
		return ee.Code
	case errors.Is(err, ErrUsage):
		return Usage
	}
	return Failed
}

// Exit prints err, if it is not nil, to w as "name: err", followed for a
// usage error by where to find the command's help, and returns Code(err).
// main passes the result to os.Exit.
func Exit(w io.Writer, name string, err error) int {
	code := Code(err)
	if err == nil || code == OK {
		return code
	}
	fmt.Fprintf(w, "%s: %v\n", name, err)
	var ee *ExitError
	if code == Usage && errors.As(err, &ee) && ee.Help != "" && !strings.Contains(err.Error(), "--help") {
		fmt.Fprintf(w, "Run '%s --help' for usage.\n", ee.Help)
	}
	return code
}

// Execute runs root, a freshly built command tree, with args and returns
// the error of the command that ran, unchanged, except for usage errors.
//
// An error cobra itself reports (an unknown command or flag, a flag value
// that does not parse, a wrong number of arguments, a missing required
// flag) comes before the command's RunE runs: Execute makes it a usage
// error. A usage error, cobra's or the command's own (Usagef), comes back
// as an *ExitError whose Help names the command it is about. Execute
// silences cobra's own printing of errors and usage: Exit prints the
// error once.
func Execute(ctx context.Context, root *cobra.Command, args []string) error {
	ran := false
	markRun(root, &ran)
	root.SilenceErrors = true
	root.SilenceUsage = true
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil || Code(err) == OK {
		return nil
	}
	if !ran || Code(err) == Usage {
		help := root.CommandPath()
		if cmd != nil {
			help = cmd.CommandPath()
		}
		return &ExitError{Code: Usage, Err: err, Help: help}
	}
	return err
}

// markRun wraps the RunE of every command under c so that *ran records
// whether a command's own code ran.
func markRun(c *cobra.Command, ran *bool) {
	if run := c.RunE; run != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			*ran = true
			return run(cmd, args)
		}
	}
	for _, sub := range c.Commands() {
		markRun(sub, ran)
	}
}
