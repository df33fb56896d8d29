package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

func checkRulesCommand(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "check-rules FILE",
		Short: "Check a rules file and report every mistake with its line; exit 0 when valid",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return &exitError{code: exitFailed, err: fmt.Errorf("check-rules: the rules engine is not built into this version yet")}
		},
	}
}
