// Package clitest checks the help pages of a command built on package cli:
// every command and subcommand answers --help with exit 0 and shows
// examples.
package clitest

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/safehub-iot/safehub/internal/cli"
)

// RunFunc runs a command's command line, as its Run does for main.
type RunFunc func(args []string, stdout, stderr io.Writer) error

// Help runs "PATH --help" through run for root and every command under it
// (cobra's own help and completion commands aside, and hidden ones) and
// fails tb for each that does not exit 0, or whose page lacks an
// "Examples:" section or the command's usage line. It returns the paths it
// checked.
func Help(tb testing.TB, root *cobra.Command, run RunFunc) []string {
	tb.Helper()
	var paths []string
	var walk func(c *cobra.Command, words []string)
	walk = func(c *cobra.Command, words []string) {
		if c.Hidden || (c.Parent() != nil && (c.Name() == "help" || c.Name() == "completion")) {
			return
		}
		paths = append(paths, strings.Join(append([]string{root.Name()}, words...), " "))
		var stdout, stderr bytes.Buffer
		args := append(append([]string(nil), words...), "--help")
		err := run(args, &stdout, &stderr)
		if code := cli.Exit(&stderr, root.Name(), err); code != cli.OK {
			tb.Errorf("%s %s: got exit %d, want 0; stderr:\n%s", root.Name(), strings.Join(args, " "), code, stderr.String())
		}
		page := stdout.String()
		if !strings.Contains(page, "Examples:") {
			tb.Errorf("%s %s: the help page has no examples:\n%s", root.Name(), strings.Join(args, " "), page)
		}
		if !strings.Contains(page, c.UseLine()) {
			tb.Errorf("%s %s: the help page lacks the usage line %q:\n%s", root.Name(), strings.Join(args, " "), c.UseLine(), page)
		}
		for _, sub := range c.Commands() {
			walk(sub, append(append([]string(nil), words...), sub.Name()))
		}
	}
	walk(root, nil)
	return paths
}
