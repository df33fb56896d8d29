package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func (a *app) resetCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "reset",
		Short: "Reset latched alarms (smoke) and silence the siren",
		Long: `reset does what the center's reset command and the box's reset button do: the
alarms latched until reset (smoke) are cleared, the center is told, and the siren
stops. Smoke still present raises a new alarm at once.`,
		Example: "  safehubctl reset",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.client().Reset(cmd.Context()); err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, "latched alarms reset")
			return nil
		},
	}
}
