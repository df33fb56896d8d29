package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/gateway/daemon"
)

// stallOnSIGUSR2 serves the hidden --debug-stall-signal flag, which exists
// only for the test that checks the systemd watchdog (notify_test.go): from
// then on SIGUSR2 blocks the pipeline's event loop until ctx is done, as a
// deadlocked loop would, so the watchdog pings must stop. Without the flag
// SIGUSR2 keeps its default action and nothing here runs.
func stallOnSIGUSR2(ctx context.Context, d *daemon.Daemon, log *slog.Logger) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR2)
	go func() {
		defer signal.Stop(sig)
		select {
		case <-ctx.Done():
			return
		case <-sig:
		}
		log.Warn("debug: SIGUSR2 received; stalling the event loop until shutdown")
		_ = d.Pipeline().Exec(ctx, func(time.Time, gateway.Evaluator) []gateway.Action {
			<-ctx.Done()
			return nil
		})
	}()
}
