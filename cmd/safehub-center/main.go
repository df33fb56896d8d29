// Command safehub-center is the community center's alarm console: it
// receives the alarms of every SafeHub home over MQTT, stores them, and
// serves the operators' web console. See `safehub-center --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/safehub-iot/safehub/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(cli.Exit(os.Stderr, "safehub-center", Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)))
}
