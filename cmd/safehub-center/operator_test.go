package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/safehub-iot/safehub/center/alarmdb"
	"github.com/safehub-iot/safehub/internal/cli"
	"github.com/safehub-iot/safehub/internal/cli/clitest"
)

// Every command's help page exits 0 and shows examples; a mistake on the
// command line exits 2.
func TestHelpAndUsage(t *testing.T) {
	paths := clitest.Help(t, newRoot(nil, io.Discard, io.Discard), func(args []string, stdout, stderr io.Writer) error {
		return Run(context.Background(), args, nil, stdout, stderr)
	})
	require.Equal(t, []string{"safehub-center", "safehub-center acl", "safehub-center operator"}, paths)
	var stderr bytes.Buffer
	require.Equal(t, cli.Usage, cli.Exit(&stderr, "safehub-center", Run(context.Background(), []string{"--nope"}, nil, io.Discard, &stderr)))
	require.Equal(t, "safehub-center: unknown flag: --nope\nRun 'safehub-center --help' for usage.\n", stderr.String())
}

// operatorOnTerminal runs `safehub-center operator` with a pseudo-terminal
// as stdin, types each line when the terminal's echo is off, and returns
// the prompts, what the terminal echoed, and Run's error.
func operatorOnTerminal(t *testing.T, db string, lines ...string) (prompts, echoed string, err error) {
	t.Helper()
	ptm, tty, perr := pty.Open()
	require.NoError(t, perr)
	defer ptm.Close()
	var screen bytes.Buffer
	copied := make(chan struct{})
	go func() { _, _ = io.Copy(&screen, ptm); close(copied) }() // ends with EIO once tty is closed

	var stdout, stderr syncBuf
	done := make(chan error, 1)
	go func() {
		done <- Run(context.Background(), []string{"operator", "--db", db, "--name", "anna"}, tty, &stdout, &stderr)
	}()
	for i, line := range lines {
		// Type only once the prompt is out and echo is off, as a person would.
		require.Eventually(t, func() bool {
			tio, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
			return err == nil && tio.Lflag&unix.ECHO == 0 && strings.Count(stderr.String(), "password for anna") == i+1
		}, 5*time.Second, time.Millisecond, "no prompt %d with the echo off", i+1)
		_, werr := ptm.WriteString(line + "\n")
		require.NoError(t, werr)
	}
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("operator did not finish")
	}
	tty.Close()
	<-copied
	return stderr.String(), screen.String() + stdout.String(), err
}

func TestOperatorPasswordFromTerminalIsNotEchoed(t *testing.T) {
	db := filepath.Join(t.TempDir(), "c.db")
	prompts, echoed, err := operatorOnTerminal(t, db, "correct-horse", "correct-horse")
	require.NoError(t, err)
	require.Equal(t, "password for anna: \npassword for anna again: \n", prompts)
	require.NotContains(t, echoed, "correct-horse", "the terminal never shows the password")

	d, err := alarmdb.Open(context.Background(), db, nil)
	require.NoError(t, err)
	defer d.Close()
	require.NoError(t, d.CheckPassword(context.Background(), "anna", "correct-horse"), "the password typed is the one saved")
}

func TestOperatorPasswordsTypedDifferently(t *testing.T) {
	_, echoed, err := operatorOnTerminal(t, filepath.Join(t.TempDir(), "c.db"), "correct-horse", "correct-hrose")
	require.ErrorIs(t, err, errPasswordsDiffer)
	require.Equal(t, cli.Failed, cli.Code(err))
	require.NotContains(t, echoed, "correct-h")
}
