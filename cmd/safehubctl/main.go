// Command safehubctl is the technician's tool for a SafeHub home box:
// provisioning, status, walk tests, test alarms, pairing and reloads. It
// talks to safehubd over the local API's unix socket (gateway/api). See
// `safehubctl --help`.
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
	os.Exit(cli.Exit(os.Stderr, "safehubctl", Run(ctx, os.Args[1:], os.Stdout, os.Stderr)))
}
