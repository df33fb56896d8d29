package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/safehub-iot/safehub/gateway/api"
	"github.com/safehub-iot/safehub/internal/cli"
)

func (a *app) alarmCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use: "alarm",
		Example: `  safehubctl alarm test
  safehubctl alarm test --timeout 2m`,
		Short: "Test alarms",
	}
	var (
		timeout time.Duration
		asJSON  bool
	)
	test := &cobra.Command{
		Use: "test",
		Example: `  safehubctl alarm test
  safehubctl alarm test --timeout 2m --json`,
		Short: "Send a test alarm to the center and time its round trip",
		Long: `test raises a test alarm on the box. The center shows it apart as a test and
dispatches no one. The command prints when the center's broker accepted it
(delivered) and when the center's acknowledgement came back to the box, and exits
1 if no acknowledgement came within --timeout (ask the operator to acknowledge it).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if timeout <= 0 {
				return cli.Usagef("--timeout %s: expected a positive duration such as 60s", timeout)
			}
			res, err := a.testAlarm(cmd, timeout, !asJSON)
			if err != nil {
				return err
			}
			if asJSON {
				if err := a.printJSON(res); err != nil {
					return err
				}
			}
			if res.AckedMS == nil {
				return cli.WithCode(exitFailed, fmt.Errorf("no acknowledgement from the center within %s", timeout))
			}
			return nil
		},
	}
	test.Flags().DurationVar(&timeout, "timeout", 2*time.Minute, "how long to wait for the center's acknowledgement")
	test.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	cmd.AddCommand(test)
	return cmd
}

// alarmResult is a test alarm's round trip.
type alarmResult struct {
	AlarmID string    `json:"alarm_id"`
	Raised  time.Time `json:"raised"`
	// DeliveredMS and AckedMS are milliseconds after raising; nil when it
	// did not happen in time.
	DeliveredMS *int64 `json:"delivered_ms"`
	AckedMS     *int64 `json:"acknowledged_ms"`
}

func (a *app) testAlarm(cmd *cobra.Command, timeout time.Duration, verbose bool) (alarmResult, error) {
	var res alarmResult
	err := a.client().TestAlarm(cmd.Context(), timeout, func(p api.AlarmProgress) {
		ms := p.AfterMS
		switch p.Stage {
		case api.StageRaised:
			res.AlarmID, res.Raised = p.AlarmID, p.Time
			if verbose {
				fmt.Fprintf(a.stdout, "test alarm %s raised; waiting for the center (up to %s)\n", p.AlarmID, timeout)
			}
		case api.StageDelivered:
			res.DeliveredMS = &ms
			if verbose {
				fmt.Fprintf(a.stdout, "delivered to the center's broker after %d ms\n", ms)
			}
		case api.StageAcknowledged:
			res.AckedMS = &ms
			if verbose {
				fmt.Fprintf(a.stdout, "acknowledged by the center: round trip %d ms\n", ms)
			}
		case api.StageTimeout:
			if verbose && res.DeliveredMS == nil {
				fmt.Fprintln(a.stdout, "not delivered: is the link up? (safehubctl status)")
			}
		}
	})
	return res, err
}
