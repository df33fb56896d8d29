package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/spf13/cobra"

	_ "github.com/safehub-iot/safehub/drivers/all" // validate every driver's options
	"github.com/safehub-iot/safehub/gateway/api"
	"github.com/safehub-iot/safehub/internal/cli"
)

// Exit codes, documented in the root command's help.
const (
	exitOK       = cli.OK
	exitFailed   = cli.Failed
	exitUsage    = cli.Usage
	exitInvalid  = 3
	exitNoDaemon = 4
	exitCheck    = 5
)

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

// Run is safehubctl's command line; main maps its error to the exit code
// with cli.Exit.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return withAPICode(cli.Execute(ctx, newRoot(stdout, stderr), args))
}

// withAPICode gives the local API's errors their exit codes, unless the
// command chose one.
func withAPICode(err error) error {
	var ee *cli.ExitError
	switch {
	case err == nil, errors.As(err, &ee):
		return err
	case errors.Is(err, api.ErrNotRunning):
		return cli.WithCode(exitNoDaemon, err)
	case errors.Is(err, api.ErrInvalid):
		return cli.WithCode(exitInvalid, err)
	case errors.Is(err, api.ErrBadRequest):
		return cli.WithCode(exitUsage, err)
	}
	return err
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
		Use:   "safehubctl",
		Short: "Provision, check and commission a SafeHub home box",
		Long:  rootLong,
		Example: `  safehubctl status
  safehubctl outputs test
  safehubctl sensors test --report /root/commissioning.json`,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
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
		a.resetCommand(),
	)
	return root
}

// needArgs is cobra.ExactArgs with an error that says what was expected.
func needArgs(n int, what string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) != n {
			return cli.Usagef("%s: expected %s, got %d arguments", c.CommandPath(), what, len(args))
		}
		return nil
	}
}

func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return cli.Usagef("%s takes no arguments, got %q", c.CommandPath(), strings.Join(args, " "))
	}
	return nil
}
