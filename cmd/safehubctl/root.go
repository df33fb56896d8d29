package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	_ "github.com/safehub-iot/safehub/drivers/all" // validate every driver's options
	"github.com/safehub-iot/safehub/gateway/api"
)

// Exit codes, documented in the root command's help.
const (
	exitOK       = 0
	exitFailed   = 1
	exitUsage    = 2
	exitInvalid  = 3
	exitNoDaemon = 4
	exitCheck    = 5
)

// exitError carries an exit code to run.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageError(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// app holds what every command shares.
type app struct {
	socket string
	stdout io.Writer
	stderr io.Writer
}

func (a *app) client() *api.Client { return api.NewClient(a.socket) }

// printJSON writes v as indented JSON.
func (a *app) printJSON(v any) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	code := exitCode(err)
	fmt.Fprintln(stderr, "safehubctl:", err)
	if code == exitUsage && !strings.Contains(err.Error(), "--help") {
		fmt.Fprintln(stderr, "Run 'safehubctl --help' or 'safehubctl <command> --help' for usage.")
	}
	return code
}

func exitCode(err error) int {
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		return ee.code
	case errors.Is(err, api.ErrNotRunning):
		return exitNoDaemon
	case errors.Is(err, api.ErrInvalid):
		return exitInvalid
	case errors.Is(err, api.ErrBadRequest):
		return exitUsage
	case errors.Is(err, context.Canceled):
		return exitFailed
	}
	var re *api.RemoteError
	if errors.As(err, &re) {
		return exitFailed
	}
	// Anything cobra itself reports (unknown command or flag, wrong
	// number of arguments) is a usage mistake.
	return exitUsage
}

const rootLong = `safehubctl is the technician's tool for a SafeHub home box. It talks to the
safehubd daemon on this box through its local socket (only root and members of the
safehub group may use it), except 'provision', which writes the config file itself.

A typical installation:
  safehubctl provision --site flat-12b --broker ssl://center.example.org:8883 \
      --ca center-ca.crt --cert flat-12b.crt --key flat-12b.key --check
  systemctl restart safehubd
  safehubctl status                 # link connected, every sensor ok
  safehubctl outputs test           # the siren and each LED on in turn: listen and watch
  safehubctl sensors test           # walk test: trigger each sensor in turn
  safehubctl alarm test             # a test alarm to the center and back

Every command that reads something prints it for a person, or as JSON with --json.

Exit codes:
  0  success
  1  failure (the daemon refused or failed; a test alarm was not acknowledged;
     an output could not be switched)
  2  usage: a wrong command, flag or argument
  3  the config or rules file has mistakes (each one is listed with its line)
  4  safehubd is not running (nothing answers on the socket)
  5  provision --check failed (the step that failed is named); nothing was saved`

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	a := &app{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:           "safehubctl",
		Short:         "Provision, check and commission a SafeHub home box",
		Long:          rootLong,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError("%s: %w", c.CommandPath(), err)
	})
	root.PersistentFlags().StringVar(&a.socket, "socket", "/run/safehub/safehubd.sock", "safehubd's local API socket (the config's api.socket)")
	root.AddCommand(
		a.provisionCommand(),
		a.statusCommand(),
		a.sensorsCommand(),
		a.outputsCommand(),
		a.alarmCommand(),
		a.eventsCommand(),
		a.pairCommand(),
		a.configCommand(),
		a.rulesCommand(),
		a.reloadCommand(),
	)
	return root
}

// needArgs is cobra.ExactArgs with an error that says what was expected.
func needArgs(n int, what string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError("%s: expected %s, got %d arguments", c.CommandPath(), what, len(args))
		}
		return nil
	}
}

func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError("%s takes no arguments, got %q", c.CommandPath(), strings.Join(args, " "))
	}
	return nil
}
