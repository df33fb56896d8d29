package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/safehub-iot/safehub/gateway/config"
	"github.com/safehub-iot/safehub/gateway/daemon"
	"github.com/safehub-iot/safehub/internal/cli"
	"github.com/safehub-iot/safehub/rules/rulesfile"
)

func checkRulesCommand(stdout io.Writer) *cobra.Command {
	var configPath string
	cmd := &cobra.Command{
		Use:   "check-rules FILE",
		Short: "Check a rules file against the box's sensors; report every mistake with its line",
		Long: `check-rules reads a rules file and checks it against the sensors and timezone of
the config file (--config): every rule must name sensors that exist, of a kind the
rule can use. Every mistake is reported with its line; exit 0 when valid.`,
		Example: `  safehubd check-rules --config /etc/safehub/safehub.yaml /etc/safehub/rules.yaml
  safehubd check-rules --config configs/demo.yaml configs/rules.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := config.Load(configPath)
			if err != nil {
				return cli.WithCode(exitInvalid, fmt.Errorf("%s: invalid config:\n%w", configPath, indent(err)))
			}
			eng, err := rulesfile.Load(args[0], daemon.RulesEnv(cfg))
			if err != nil {
				return cli.WithCode(exitInvalid, fmt.Errorf("%s: invalid rules:\n%w", args[0], err))
			}
			fmt.Fprintf(stdout, "%s: %d rules, valid for the sensors in %s\n", args[0], len(eng.Rules()), configPath)
			return nil
		},
	}
	cmd.Flags().StringVarP(&configPath, "config", "c", "/etc/safehub/safehub.yaml", "config file whose sensors the rules use")
	return cmd
}
