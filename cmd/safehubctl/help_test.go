package main

import (
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/internal/cli/clitest"
)

// Every command's help page exits 0 and shows examples.
func TestHelp(t *testing.T) {
	paths := clitest.Help(t, newRoot(io.Discard, io.Discard), func(args []string, stdout, stderr io.Writer) error {
		return Run(context.Background(), args, stdout, stderr)
	})
	require.Contains(t, paths, "safehubctl outputs test")
	require.Len(t, paths, 21, "%v", paths)
}
