// Command safehub-center is the community center's alarm console: it
// receives the alarms of every SafeHub home over MQTT, stores them, and
// serves the operators' web console. See package center for the flags.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/safehub-iot/safehub/center"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := center.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "safehub-center:", err)
		if errors.Is(err, center.ErrUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}
