package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/safehub-iot/safehub/gateway/api"
	"github.com/safehub-iot/safehub/internal/cli"
)

func (a *app) outputsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use: "outputs",
		Example: `  safehubctl outputs list
  safehubctl outputs test`,
		Short: "List the siren and LEDs, or switch them on in turn to check them",
	}
	var asJSON bool
	list := &cobra.Command{
		Use: "list",
		Example: `  safehubctl outputs list
  safehubctl outputs list --json`,
		Short: "List each output (siren, LEDs) with its kind, whether it opened and whether it is on",
		Long: `list shows the outputs of the config's outputs: section in config order: the siren
and the LEDs, each with its kind, whether safehubd could open it at start (and why
not) and whether it is on now.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			outs, err := a.client().Outputs(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				return a.printJSON(outs)
			}
			printOutputs(a.stdout, outs)
			return nil
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of text")
	cmd.AddCommand(list, a.outputsTestCommand())
	return cmd
}

func printOutputs(w io.Writer, outs []api.OutputStatus) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "OUTPUT\tKIND\tSTATE")
	for _, o := range outs {
		state := "off"
		switch {
		case !o.OK:
			state = "FAILED: " + o.Error
		case o.On:
			state = "on"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", o.ID, o.Kind, state)
	}
	tw.Flush()
}

func (a *app) outputsTestCommand() *cobra.Command {
	var (
		hold   time.Duration
		asJSON bool
	)
	cmd := &cobra.Command{
		Use: "test [ID ...]",
		Example: `  safehubctl outputs test                    # every output, 2s each
  safehubctl outputs test siren --for 5s     # only the siren, for 5s
  safehubctl outputs test led-sent led-help --json`,
		Short: "Switch the siren and each LED on in turn, to hear and see that they work",
		Long: `test switches each output named (none: every output in the config) on for --for,
then back, one after another, and prints which one is on: listen for the siren and
watch each LED. Warn the resident first: the siren really sounds.

An output that was on before the test (the help-coming LED after a center's
acknowledgement, the siren during an alarm) stays on throughout and after it. An
output safehubd could not open at start is reported as failed with the reason; fix
the wiring or the config's pin and restart safehubd. Ctrl-C stops the test and puts
the output being tested back at once.

Exit 0 when every output was switched on and back, 1 when one failed, 2 for an
unknown output id (the ids are listed by 'safehubctl outputs list').`,
		RunE: func(cmd *cobra.Command, ids []string) error {
			if hold < api.OutputTestMin || hold > api.OutputTestMax {
				return cli.Usagef("--for %s: expected a duration from %s to %s, such as 2s", hold, api.OutputTestMin, api.OutputTestMax)
			}
			var (
				done  *api.OutputTestStep
				width int
				open  bool // a line "<id> on ..." waits for its end
			)
			err := a.client().TestOutputs(cmd.Context(), ids, hold, func(s api.OutputTestStep) {
				if s.Stage == api.OutputTestDone {
					done = &s
				}
				if asJSON {
					return
				}
				switch s.Stage {
				case api.OutputTestStart:
					for _, o := range s.Outputs {
						width = max(width, len(o.ID)+len(o.Kind)+3)
					}
					fmt.Fprintf(a.stdout, "Output test: each output on for %s, one after another. Listen and watch:\n",
						time.Duration(s.ForMS)*time.Millisecond)
				case api.OutputTestOn:
					fmt.Fprintf(a.stdout, "  %-*s  on", width, s.Output+" ("+s.Kind+")")
					if s.WasOn {
						fmt.Fprint(a.stdout, " (it was on before the test)")
					}
					fmt.Fprint(a.stdout, " ...")
					open = true
				case api.OutputTestOff:
					if s.WasOn {
						fmt.Fprintln(a.stdout, " left on")
					} else {
						fmt.Fprintln(a.stdout, " off")
					}
					open = false
				case api.OutputTestFailed:
					if !open {
						fmt.Fprintf(a.stdout, "  %-*s", width, s.Output+" ("+s.Kind+")")
					}
					fmt.Fprintf(a.stdout, "  FAILED: %s\n", s.Error)
					open = false
				}
			})
			if open {
				fmt.Fprintln(a.stdout)
			}
			if err != nil {
				if cmd.Context().Err() != nil {
					return fmt.Errorf("output test stopped (the output being tested was put back): %w", err)
				}
				return err
			}
			if done == nil {
				return cli.WithCode(exitFailed, errors.New("the output test ended early: is safehubd stopping?"))
			}
			var switched int
			var failed []string
			for _, r := range done.Results {
				if r.OK {
					switched++
				} else {
					failed = append(failed, r.Output)
				}
			}
			if asJSON {
				if err := a.printJSON(done); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(a.stdout, "Result: %d of %d switched on and back", switched, len(done.Results))
				if len(failed) > 0 {
					fmt.Fprintf(a.stdout, ", %d failed (%s)", len(failed), strings.Join(failed, ", "))
				}
				if switched > 0 {
					fmt.Fprint(a.stdout, ". Did each one sound or light?")
				}
				fmt.Fprintln(a.stdout)
			}
			if len(failed) > 0 {
				return cli.WithCode(exitFailed, fmt.Errorf("output test: %s failed; check the wiring and the config's pin, then restart safehubd", strings.Join(failed, ", ")))
			}
			return nil
		},
	}
	cmd.Flags().DurationVar(&hold, "for", api.OutputTestDefault, fmt.Sprintf("how long each output is on (%s to %s)", api.OutputTestMin, api.OutputTestMax))
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}
