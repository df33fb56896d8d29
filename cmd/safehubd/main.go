// Command safehubd is the SafeHub home box daemon: it reads the home's
// sensors, runs the local alert rules and forwards alarms to the community
// center. See `safehubd --help`.
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
	os.Exit(cli.Exit(os.Stderr, "safehubd", Run(ctx, os.Args[1:], os.Stdout, os.Stderr)))
}
