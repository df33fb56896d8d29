package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/safehub-iot/safehub/gateway/api"
	"github.com/safehub-iot/safehub/internal/atomicfile"
	"github.com/safehub-iot/safehub/internal/cli"
)

// report is the commissioning report a walk test saves.
type report struct {
	Site     string           `json:"site"`
	Version  string           `json:"version"`
	Started  time.Time        `json:"started"`
	Finished time.Time        `json:"finished"`
	Result   string           `json:"result"` // passed or incomplete
	Reason   string           `json:"reason"`
	Passed   []api.WalkResult `json:"passed"`
	Missing  []string         `json:"missing"`
	// TestAlarm is the round trip of a test alarm to the center, when
	// one was sent (--alarm).
	TestAlarm *alarmResult `json:"test_alarm,omitempty"`
}

func (a *app) walkCommand() *cobra.Command {
	var (
		timeout, alarmTimeout time.Duration
		out                   string
		alarm                 bool
	)
	cmd := &cobra.Command{
		Use: "test",
		Example: `  safehubctl sensors test
  safehubctl sensors test --report /root/commissioning-flat-12b.json
  safehubctl sensors test --alarm=false --timeout 30m`,
		Short: "Walk test: trigger each sensor in turn and watch it tick off; saves a commissioning report",
		Long: `test puts the box in test mode (every event is marked test, so the center
dispatches no one) and lists the sensors. Trigger each one in turn: press the button,
open the door, use the detector's test button. Each is ticked off as the box hears it.
The test ends when every sensor has passed, at --timeout, or on Ctrl-C; test mode ends
with it. With --alarm (the default) a test alarm's round trip to the center is timed
at the end. The commissioning report (JSON) is saved to --report.

Exit 0 when every sensor passed (and the test alarm, if sent, was acknowledged).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if timeout <= 0 || timeout > 2*time.Hour {
				return cli.Usagef("--timeout %s: expected a duration from 1s to 2h", timeout)
			}
			ctx := cmd.Context()
			c := a.client()
			st, err := c.Status(ctx)
			if err != nil {
				return err
			}
			if out == "" {
				out = fmt.Sprintf("commissioning-%s-%s.json", st.Site, time.Now().Format("20060102-150405"))
			}
			rep := report{Site: st.Site, Version: st.Version, Started: time.Now()}
			left := 0
			err = c.WalkTest(ctx, timeout, func(m api.WalkMessage) {
				switch m.Type {
				case api.WalkStart:
					left = len(m.Sensors)
					fmt.Fprintf(a.stdout, "Walk test: trigger each sensor in turn (test mode on, up to %s):\n", timeout)
					for _, id := range m.Sensors {
						fmt.Fprintf(a.stdout, "  [ ] %s\n", id)
					}
				case api.WalkPassed:
					left--
					fmt.Fprintf(a.stdout, "  [x] %-20s %s  %s  (%d to go)\n", m.Sensor, m.Time.Local().Format("15:04:05"), m.How, left)
				case api.WalkDone:
					rep.Passed, rep.Missing, rep.Reason = m.Passed, m.Missing, m.Reason
				}
			})
			rep.Finished = time.Now()
			if err != nil && ctx.Err() == nil {
				return err
			}
			if ctx.Err() != nil {
				rep.Reason = "stopped by the technician"
			}
			rep.Result = "passed"
			if len(rep.Missing) > 0 || rep.Reason != "all sensors passed" {
				rep.Result = "incomplete"
			}
			if alarm && st.Link.State == api.LinkNotConfigured {
				fmt.Fprintln(a.stdout, "No test alarm: no center is configured (safehubctl provision).")
				rep.Result = "incomplete"
				alarm = false
			}
			if alarm && ctx.Err() == nil {
				fmt.Fprintln(a.stdout, "Test alarm to the center:")
				res, err := a.testAlarm(cmd, alarmTimeout, true)
				if err != nil {
					return err
				}
				rep.TestAlarm = &res
				if res.AckedMS == nil {
					rep.Result = "incomplete"
				}
			}
			data, err := json.MarshalIndent(rep, "", "  ")
			if err != nil {
				return err
			}
			if err := atomicfile.WriteFile(out, append(data, '\n'), 0o644); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Result: %s (%d passed, %d missing: %v). Report saved to %s\n",
				rep.Result, len(rep.Passed), len(rep.Missing), rep.Missing, out)
			if rep.Result != "passed" {
				return cli.WithCode(exitFailed, fmt.Errorf("walk test incomplete: %s", rep.Reason))
			}
			return nil
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Minute, "end the test after this long")
	cmd.Flags().StringVar(&out, "report", "", "where to save the report (default commissioning-<site>-<time>.json)")
	cmd.Flags().BoolVar(&alarm, "alarm", true, "time a test alarm's round trip to the center at the end")
	cmd.Flags().DurationVar(&alarmTimeout, "alarm-timeout", 2*time.Minute, "how long to wait for the center to acknowledge the test alarm")
	return cmd
}
