package main

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/internal/cli"
	"github.com/safehub-iot/safehub/internal/duration"
)

func (a *app) eventsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use: "events",
		Example: `  safehubctl events list --since 24h
  safehubctl events tail`,
		Short: "Show the box's event log, or follow it live",
	}
	var (
		asJSON bool
		since  string
		limit  int
	)
	list := &cobra.Command{
		Use: "list",
		Example: `  safehubctl events list                       # the last hour
  safehubctl events list --since 24h --limit 50
  safehubctl events list --since 2026-11-23T08:00:00+01:00 --json`,
		Short: "List events from the box's log (the last hour unless --since says otherwise)",
		Long: `list prints events from the box's local log, oldest first. --since takes a duration
back from now (30m, 2h, 24h) or a time (2026-11-23T08:00:00+01:00).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			from, err := parseSince(since, time.Now())
			if err != nil {
				return err
			}
			if limit < 1 || limit > 100000 {
				return cli.Usagef("--limit %d: expected 1 to 100000", limit)
			}
			evs, err := a.client().Events(cmd.Context(), 0, from, limit)
			if err != nil {
				return err
			}
			if asJSON {
				return a.printJSON(evs)
			}
			for _, ev := range evs {
				printEvent(a.stdout, ev)
			}
			if len(evs) == 0 {
				fmt.Fprintf(a.stdout, "no events since %s\n", from.Local().Format(time.DateTime))
			}
			return nil
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of text")
	list.Flags().StringVar(&since, "since", "1h", "how far back: a duration (30m, 24h) or an RFC 3339 time")
	list.Flags().IntVar(&limit, "limit", 1000, "at most this many events")

	var tailJSON bool
	tail := &cobra.Command{
		Use: "tail",
		Example: `  safehubctl events tail          # live, until Ctrl-C
  safehubctl events tail --json`,
		Short: "Print events live as the box commits them, until Ctrl-C",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			enc := json.NewEncoder(a.stdout)
			err := a.client().Tail(cmd.Context(), func(ev event.Event) bool {
				if tailJSON {
					enc.Encode(ev)
				} else {
					printEvent(a.stdout, ev)
				}
				return true
			})
			if cmd.Context().Err() != nil {
				return nil // Ctrl-C is the normal end
			}
			return err
		},
	}
	tail.Flags().BoolVar(&tailJSON, "json", false, "print one JSON object per line")
	cmd.AddCommand(list, tail)
	return cmd
}

func parseSince(s string, now time.Time) (time.Time, error) {
	if d, err := duration.Parse(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, cli.Usagef("--since %q: expected a duration such as 30m or 24h, or a time such as 2026-11-23T08:00:00+01:00", s)
}

func printEvent(w io.Writer, ev event.Event) {
	test := ""
	if ev.Test {
		test = " [TEST]"
	}
	where := ev.Sensor
	if ev.Room != "" {
		where += " (" + ev.Room + ")"
	}
	fmt.Fprintf(w, "%s  #%-5d %-8s %-16s %-20s %s%s\n", ev.Time.Local().Format("2006-01-02 15:04:05"), ev.Seq,
		ev.Severity, ev.Kind, where, ev.Message, test)
}
