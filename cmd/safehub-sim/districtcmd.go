package main

import (
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/safehub-iot/safehub/internal/cli"
)

type districtFlags struct {
	homes, alarms, rtt, outageAlarms int
	rate                             float64
	heartbeat, idle, outage, settle  time.Duration
	hold                             time.Duration
	mosquitto, logLevel, cpuProfile  string
	disk                             bool
	shareGroup                       string
}

func districtCommand(stdout, stderr io.Writer) *cobra.Command {
	var f districtFlags
	cmd := &cobra.Command{
		Use:   "district [flags]",
		Short: "N homes against a broker with the center: memory, CPU, alarm latency, loss, recovery",
		Long: `district runs N simulated homes, each with its own pipeline and MQTT session, against a
broker with the center in-process; presses a storm of alarms across the district and
prints what docs/benchmarks.md records: memory per home, CPU, edge-to-console latency,
and that every alarm reached the console exactly once. With --mosquitto and --outage
it stops the broker after the storm and measures the recovery.`,
		Example: `  safehub-sim district --homes 200 --alarms 200 --rate 50 --rtt 1000
  safehub-sim district --homes 1 --disk --alarms 500 --rate 5 --hold 100ms --rtt 1000
  safehub-sim district --homes 1000 --mosquitto /usr/sbin/mosquitto --alarms 1000 --rate 100 \
      --outage 5m --outage-alarms 1000 --settle 3m`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.validate(); err != nil {
				return err
			}
			return cmdDistrict(cmd.Context(), f, stdout, stderr)
		},
	}
	fs := cmd.Flags()
	fs.IntVar(&f.homes, "homes", 200, "number of `homes`")
	fs.Float64Var(&f.rate, "rate", 50, "alarms per `second` across the district during the storm")
	fs.IntVar(&f.alarms, "alarms", 0, "alarms in the storm (default: one per home)")
	fs.DurationVar(&f.hold, "hold", time.Second, "how `long` each button is held; a press shorter than a CPU stall of the box is debounced away, as on a real box")
	fs.IntVar(&f.rtt, "rtt", 1000, "raw broker QoS 1 round trips to measure beside the alarms")
	fs.DurationVar(&f.heartbeat, "heartbeat", time.Minute, "each home's heartbeat `interval`")
	fs.DurationVar(&f.idle, "idle", 0, "measure CPU with only heartbeats flowing for this `long` before the storm")
	fs.DurationVar(&f.outage, "outage", 0, "after the storm, stop the broker this `long` (needs --mosquitto) and measure recovery")
	fs.IntVar(&f.outageAlarms, "outage-alarms", 0, "alarms raised during the outage (default: one per home)")
	fs.DurationVar(&f.settle, "settle", 2*time.Minute, "how `long` to wait for every alarm to reach the console")
	fs.StringVar(&f.mosquitto, "mosquitto", "", "run the homes and the center against a Mosquitto started from this `binary` (e.g. /usr/sbin/mosquitto) instead of the center's embedded broker")
	fs.StringVar(&f.shareGroup, "center-share-group", "", "the center's shared-subscription `group` (\"-\": plain subscriptions; default the center's own)")
	fs.BoolVar(&f.disk, "disk", false, "give each home a SQLite file on disk (fsynced on every commit, as on a box) instead of an in-memory database")
	fs.StringVar(&f.logLevel, "log-level", "error", "log `level`")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the storm (pressing and settling, homes and center together) to this `file`, for go tool pprof")
	return cmd
}

// validate checks the flags together; a mistake is a usage error.
func (f *districtFlags) validate() error {
	switch {
	case f.homes < 1:
		return cli.Usagef("--homes: %d (want at least 1)", f.homes)
	case f.rate <= 0:
		return cli.Usagef("--rate: %g (want more than 0)", f.rate)
	case f.alarms < 0 || f.outageAlarms < 0 || f.rtt < 0:
		return cli.Usagef("--alarms, --outage-alarms and --rtt must not be negative")
	case f.hold < 50*time.Millisecond:
		return cli.Usagef("--hold: %v (want at least 50ms: the button's debounce is 20ms)", f.hold)
	case float64(f.alarms) > float64(f.homes) && f.rate*f.hold.Seconds() >= float64(f.homes):
		return cli.Usagef("--rate %g with --hold %v presses a home again while it is still held; lower the rate or the hold, or add homes", f.rate, f.hold)
	case f.outage > 0 && f.mosquitto == "":
		return cli.Usagef("--outage needs --mosquitto (the embedded broker cannot be restarted under the center)")
	}
	if f.alarms == 0 {
		f.alarms = f.homes
	}
	if f.outageAlarms == 0 {
		f.outageAlarms = f.homes
	}
	return nil
}
