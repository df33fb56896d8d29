// Command burstbox is a stand-in SafeHub box for the cloud link's kill -9
// test: it commits a burst of alarms to a store, one transaction each as the
// pipeline does, while running the link, so the test can SIGKILL it
// mid-burst and start it again on the same store. On start it continues the
// burst after the last committed sequence number. It prints "committed N"
// when the burst is in the store and "drained" when the outbox is empty.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/safehub-iot/safehub/cloudlink"
	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "burstbox:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("burstbox", flag.ContinueOnError)
	db := fs.String("db", "", "store file")
	broker := fs.String("broker", "", "broker URL")
	site := fs.String("site", "rose-12", "site id")
	n := fs.Int("n", 1000, "alarms in the burst")
	every := fs.Duration("every", time.Millisecond, "pause between commits")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	last, err := st.LastSeq(ctx)
	if err != nil {
		return err
	}
	cfg := cloudlink.Default()
	cfg.Site, cfg.Brokers, cfg.Version = *site, []string{*broker}, "burstbox"
	cfg.MinBackoff, cfg.MaxBackoff = 50*time.Millisecond, 200*time.Millisecond
	wake := make(chan event.Event, 1)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	link, err := cloudlink.New(cfg, cloudlink.Deps{Store: st, Wake: wake, Log: log})
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- link.Run(ctx) }()

	for i := last + 1; i <= int64(*n) && ctx.Err() == nil; i++ {
		id := event.NewID()
		ev := &event.Event{ID: id, AlarmID: id, Kind: event.AlarmRaised, Severity: event.Critical,
			Rule: "call", Sensor: fmt.Sprintf("button-%d", i), Time: time.Now(), Message: fmt.Sprintf("burst %d", i)}
		if err := st.Append(ctx, ev); err != nil {
			return err
		}
		select {
		case wake <- *ev:
		default:
		}
		time.Sleep(*every)
	}
	fmt.Println("committed", *n)
	for ctx.Err() == nil {
		if link.State().OutboxDepth == 0 {
			fmt.Println("drained")
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	<-ctx.Done()
	return <-done
}
