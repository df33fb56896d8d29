package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/safehub-iot/safehub/center/alarmdb"
	"github.com/safehub-iot/safehub/internal/cli"
)

func operatorCommand(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var db, name string
	cmd := &cobra.Command{
		Use:   "operator --name NAME [flags]",
		Short: "Add an operator, or set an operator's password",
		Long: `operator adds an operator account to the center's database, or sets the password of
an existing one. On a terminal the password is asked for twice and not shown as it is
typed; otherwise it is the first line of standard input. It is never printed or
logged.`,
		Example: `  safehub-center operator --name anna --db /var/lib/safehub-center/center.db
  printf '%s\n' "$PASSWORD" | safehub-center operator --name anna --db center.db`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if name == "" {
				return cli.Usagef("operator: --name is required")
			}
			pw, err := readPassword(stdin, stderr, name)
			if err != nil {
				return err
			}
			d, err := alarmdb.Open(cmd.Context(), db, nil)
			if err != nil {
				return err
			}
			defer d.Close()
			if err := d.SetOperator(cmd.Context(), name, pw); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "operator %s saved\n", name)
			return nil
		},
	}
	cmd.Flags().StringVar(&db, "db", "safehub-center.db", "SQLite database `path`")
	cmd.Flags().StringVar(&name, "name", "", "operator `name`")
	return cmd
}

// errPasswordsDiffer is returned when the two passwords typed on a
// terminal differ; nothing is saved.
var errPasswordsDiffer = errors.New("the two passwords differ; nothing saved")

// readPassword reads the operator's password: from a terminal without
// echoing it, typed twice to catch a typo; otherwise the first line of
// stdin (a pipe from a script or a test). Prompts go to prompt (stderr).
func readPassword(stdin io.Reader, prompt io.Writer, name string) (string, error) {
	if fd, ok := terminalFd(stdin); ok {
		fmt.Fprintf(prompt, "password for %s: ", name)
		pw, err := term.ReadPassword(fd)
		fmt.Fprintln(prompt) // the Enter typed was not echoed either
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		fmt.Fprintf(prompt, "password for %s again: ", name)
		again, err := term.ReadPassword(fd)
		fmt.Fprintln(prompt)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		if string(pw) != string(again) {
			return "", errPasswordsDiffer
		}
		return string(pw), nil
	}
	fmt.Fprintf(prompt, "password for %s (one line on stdin): ", name)
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// terminalFd is stdin's file descriptor when stdin is a terminal.
func terminalFd(stdin io.Reader) (int, bool) {
	f, ok := stdin.(interface{ Fd() uintptr })
	if !ok {
		return 0, false
	}
	fd := int(f.Fd())
	return fd, term.IsTerminal(fd)
}
