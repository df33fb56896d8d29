package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/gateway/api"
)

func (a *app) statusCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use: "status",
		Example: `  safehubctl status
  safehubctl status --json`,
		Short: "Show the link to the center, the outbox, each sensor's health, uptime and version",
		Long: `status shows what the box is doing: whether the link to the center is up (and to
which broker), when the last heartbeat went out, how many events wait to be sent and
how old the oldest is, each sensor's health, the uptime and the software version.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := a.client().Status(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				return a.printJSON(st)
			}
			printStatus(a.stdout, st, time.Now())
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of text")
	return cmd
}

func printStatus(w io.Writer, st api.Status, now time.Time) {
	fmt.Fprintf(w, "Site:       %s\n", st.Site)
	fmt.Fprintf(w, "Version:    %s, up %s\n", st.Version, round(time.Duration(st.UptimeS*float64(time.Second))))
	if st.TestMode {
		fmt.Fprintln(w, "Test mode:  ON (events are marked test; the center dispatches no one)")
	}
	l := st.Link
	switch l.State {
	case api.LinkConnected:
		fmt.Fprintf(w, "Link:       connected to %s since %s\n", l.Broker, ago(now, l.Since))
	case api.LinkNotConfigured:
		fmt.Fprintln(w, "Link:       not configured (no broker in config; run safehubctl provision)")
	default:
		fmt.Fprintf(w, "Link:       %s", l.State)
		if l.Broker != "" {
			fmt.Fprintf(w, " (last tried %s)", l.Broker)
		}
		if !l.Since.IsZero() {
			fmt.Fprintf(w, " since %s", ago(now, l.Since))
		}
		fmt.Fprintln(w)
	}
	if !l.LastHeartbeat.IsZero() {
		fmt.Fprintf(w, "Heartbeat:  last sent %s\n", ago(now, l.LastHeartbeat))
	}
	fmt.Fprintf(w, "Outbox:     %d waiting", l.OutboxDepth)
	if l.OutboxDepth > 0 && !l.OldestUnsent.IsZero() {
		fmt.Fprintf(w, ", oldest from %s", ago(now, l.OldestUnsent))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w)
	printSensors(w, st.Sensors, now)
}

func printSensors(w io.Writer, hs []gateway.SensorHealth, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SENSOR\tKIND\tROOM\tHEALTH\tLAST HEARD\tREADINGS")
	for _, h := range hs {
		health := string(h.Health)
		if h.Reason != "" {
			health += ": " + h.Reason
		}
		last := "never"
		if !h.LastSeen.IsZero() {
			last = ago(now, h.LastSeen)
		}
		var rs []string
		for q, v := range h.Last {
			rs = append(rs, fmt.Sprintf("%s=%g", q, v))
		}
		slices.Sort(rs)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", h.ID, h.Kind, dash(h.Room), health, last, dash(strings.Join(rs, " ")))
	}
	tw.Flush()
}

func (a *app) sensorsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use: "sensors",
		Example: `  safehubctl sensors list
  safehubctl sensors test`,
		Short: "List the sensors, or walk-test them",
	}
	var asJSON bool
	list := &cobra.Command{
		Use: "list",
		Example: `  safehubctl sensors list
  safehubctl sensors list --json`,
		Short: "List each sensor with its kind, room, health and latest readings",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			hs, err := a.client().Sensors(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				return a.printJSON(hs)
			}
			printSensors(a.stdout, hs, time.Now())
			return nil
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of text")
	cmd.AddCommand(list, a.walkCommand())
	return cmd
}

func ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	if d < 0 {
		d = 0
	}
	return fmt.Sprintf("%s (%s ago)", t.Local().Format("2006-01-02 15:04:05"), round(d))
}

func round(d time.Duration) string {
	switch {
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	case d < time.Hour:
		return d.Round(time.Second).String()
	}
	return d.Round(time.Minute).String()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
