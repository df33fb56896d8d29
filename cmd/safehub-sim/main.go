// Command safehub-sim runs simulated SafeHub homes against a center: one
// home through a scenario file, checked against the outcome it declares
// (run); the interactive demo with the center console (demo); and a
// district of many homes (district). See `safehub-sim --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/safehub-iot/safehub/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	os.Exit(cli.Exit(os.Stderr, "safehub-sim", Run(ctx, os.Args[1:], os.Stdout, os.Stderr)))
}
