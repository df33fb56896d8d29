package main

import (
	"fmt"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/safehub-iot/safehub/drivers/rfbridge"
	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway/api"
	"github.com/safehub-iot/safehub/internal/cli"
)

func (a *app) pairCommand() *cobra.Command {
	var (
		req    api.PairRequest
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "pair NAME",
		Short: "Pair a 433 MHz wireless device (pendant, door contact, smoke detector) under a name",
		Long: `pair puts the box's wireless receiver in learn mode. Press the device's button
(or open the contact, or press the detector's test button) within --timeout. The
learned device is added to the config as sensor NAME, of --kind, and the config is
reloaded. NAME becomes the sensor id: lowercase letters, digits, '-' and '_'.`,
		Example: "  safehubctl pair pendant-anna --kind pendant --room bedroom",
		Args:    needArgs(1, "the new sensor's name (e.g. pendant-anna)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			req.Name = args[0]
			if !slices.Contains(rfbridge.Kinds, event.SensorKind(req.Kind)) {
				return cli.Usagef("--kind %q: expected one of %s", req.Kind, event.JoinSensorKinds(rfbridge.Kinds, ", "))
			}
			if req.Timeout <= 0 || req.Timeout > 10*time.Minute {
				return cli.Usagef("--timeout %s: expected 1s to 10m", req.Timeout)
			}
			fmt.Fprintf(a.stderr, "learn mode: trigger the %s now (up to %s)...\n", req.Kind, req.Timeout)
			res, err := a.client().Pair(cmd.Context(), req)
			if err != nil {
				return err
			}
			if asJSON {
				return a.printJSON(res)
			}
			fmt.Fprintf(a.stdout, "paired %s: code %s (address %d) on %s; added to the config\n", res.Sensor, res.Code, res.Address, res.Port)
			if res.Reload != "" {
				fmt.Fprintln(a.stdout, res.Reload)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&req.Kind, "kind", "pendant", "what the device is: pendant, door or smoke")
	cmd.Flags().StringVar(&req.Room, "room", "", "the room it is in, shown to the operator")
	cmd.Flags().StringVar(&req.Port, "port", "", "the receiver's serial port (default: the one other wireless sensors use)")
	cmd.Flags().DurationVar(&req.Timeout, "timeout", time.Minute, "how long to listen")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}
