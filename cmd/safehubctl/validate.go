package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/safehub-iot/safehub/gateway/api"
	"github.com/safehub-iot/safehub/gateway/config"
	"github.com/safehub-iot/safehub/internal/cli"
)

func (a *app) configCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Check the config file", Example: `  safehubctl config validate
  safehubctl config validate --file /etc/safehub/safehub.yaml`}
	var file string
	var asJSON bool
	validate := &cobra.Command{
		Use: "validate",
		Example: `  safehubctl config validate                                  # the config on disk, by the daemon
  safehubctl config validate --file /etc/safehub/safehub.yaml   # a file here, before installing it`,
		Short: "Check the config file and list every mistake with its line",
		Long: `validate asks safehubd to check its config file as it is on disk now (before a
reload). With --file it checks that file here, without the daemon. Exit 3 when there
are mistakes.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if file != "" {
				if _, err := config.Load(file); err != nil {
					return cli.WithCode(exitInvalid, fmt.Errorf("%s: %w:\n%w", file, api.ErrInvalid, err))
				}
				return a.validation(api.Validation{OK: true, File: file, Message: "config is valid"}, asJSON)
			}
			v, err := a.client().ValidateConfig(cmd.Context())
			if err != nil {
				return err
			}
			return a.validation(v, asJSON)
		},
	}
	validate.Flags().StringVar(&file, "file", "", "check this file here instead of asking safehubd")
	validate.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	cmd.AddCommand(validate)
	return cmd
}

func (a *app) rulesCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "rules", Short: "Check a rules file", Example: `  safehubctl rules validate /etc/safehub/rules.yaml`}
	var asJSON bool
	validate := &cobra.Command{
		Use: "validate [FILE]",
		Example: `  safehubctl rules validate /etc/safehub/rules.yaml   # checked against this box's sensors
  safehubctl rules validate --json /etc/safehub/rules.yaml`,
		Short: "Check a rules file against this box's sensors; every mistake with its line",
		Long: `validate sends FILE to safehubd, which checks it against the sensors and timezone
of the config in force. Without FILE the configured rules file is checked. Nothing is
installed. Exit 3 when there are mistakes.`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 1 {
				return cli.Usagef("%s: expected at most one rules file, got %d arguments", c.CommandPath(), len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var content []byte
			if len(args) == 1 {
				data, err := os.ReadFile(args[0])
				if err != nil {
					return cli.Usagef("rules file: %w", err)
				}
				content = data
			}
			v, err := a.client().ValidateRules(cmd.Context(), content)
			if err != nil {
				return err
			}
			if len(args) == 1 {
				v.File = args[0]
			}
			return a.validation(v, asJSON)
		},
	}
	validate.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	cmd.AddCommand(validate)
	return cmd
}

func (a *app) reloadCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use: "reload",
		Example: `  safehubctl reload
  safehubctl reload --json`,
		Short: "Apply the config file on disk now (an invalid one changes nothing)",
		Long: `reload makes safehubd re-read its config and rules. A file with any mistake is
refused as a whole (exit 3, every mistake listed) and the running config stays.
Changes to the store, the cloud link or the outputs need a restart; reload says so.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := a.client().Reload(cmd.Context())
			if err != nil {
				return err
			}
			return a.validation(v, asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

func (a *app) validation(v api.Validation, asJSON bool) error {
	if asJSON {
		return a.printJSON(v)
	}
	if v.File != "" {
		fmt.Fprintf(a.stdout, "%s: %s\n", v.File, v.Message)
	} else {
		fmt.Fprintln(a.stdout, v.Message)
	}
	return nil
}
