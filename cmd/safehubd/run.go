package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	sdaemon "github.com/coreos/go-systemd/v22/daemon"
	"github.com/spf13/cobra"

	_ "github.com/safehub-iot/safehub/drivers/all" // register every driver
	"github.com/safehub-iot/safehub/gateway/config"
	"github.com/safehub-iot/safehub/gateway/daemon"
	"github.com/safehub-iot/safehub/internal/cli"
)

// Exit codes.
const (
	exitOK      = cli.OK
	exitFailed  = cli.Failed // the daemon failed while running
	exitUsage   = cli.Usage  // bad command line
	exitInvalid = 3          // the config (or rules) file has mistakes
)

// Run is safehubd's command line; main maps its error to the exit code
// with cli.Exit.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return cli.Execute(ctx, newRoot(ctx, stdout, stderr), args)
}

func newRoot(ctx context.Context, stdout, stderr io.Writer) *cobra.Command {
	var configPath string
	var stallSignal bool
	root := &cobra.Command{
		Use:   "safehubd",
		Short: "SafeHub home box daemon: sensors, local alarm rules, link to the community center",
		Long: `safehubd runs on the home box. It reads the sensors named in its config file,
evaluates the local alarm rules (which keep working with the network down), commits
every event to a local database, and forwards alarms to the community center over MQTT.

Signals: SIGTERM stops it cleanly; SIGHUP reloads the config (an invalid config keeps
the old one and logs every mistake).`,
		Example: `  safehubd --config /etc/safehub/safehub.yaml
  safehubd check-config /etc/safehub/safehub.yaml
  safehubd check-rules --config /etc/safehub/safehub.yaml /etc/safehub/rules.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDaemon(ctx, configPath, stallSignal, stderr)
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.Flags().StringVarP(&configPath, "config", "c", "/etc/safehub/safehub.yaml", "config file")
	root.Flags().BoolVar(&stallSignal, "debug-stall-signal", false, "tests only: SIGUSR2 stalls the event loop (see stall.go)")
	_ = root.Flags().MarkHidden("debug-stall-signal")
	root.AddCommand(&cobra.Command{
		Use:     "check-config FILE",
		Short:   "Check a config file and its rules file; report every mistake with its line, and warnings; exit 0 when valid",
		Example: "  safehubd check-config /etc/safehub/safehub.yaml\n  safehubd check-config configs/example.yaml",
		Args:    cobra.ExactArgs(1),
		RunE:    func(cmd *cobra.Command, args []string) error { return checkConfig(stdout, args[0]) },
	})
	root.AddCommand(&cobra.Command{
		Use:     "version",
		Short:   "Print the version",
		Example: "  safehubd version",
		Args:    cobra.NoArgs,
		Run:     func(*cobra.Command, []string) { fmt.Fprintln(stdout, daemon.Version) },
	})
	root.AddCommand(checkRulesCommand(stdout))
	return root
}

// indent puts each line of a multi-line error under its heading.
func indent(err error) error {
	var es config.Errors
	if !errors.As(err, &es) {
		return err
	}
	var b []byte
	for i, e := range es {
		if i > 0 {
			b = append(b, '\n')
		}
		b = append(b, "  "+e.Error()...)
	}
	return errors.New(string(b))
}

func newLogger(cfg *config.File, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func runDaemon(ctx context.Context, path string, stallSignal bool, stderr io.Writer) error {
	cfg, err := config.Load(path)
	if err != nil {
		return cli.WithCode(exitInvalid, fmt.Errorf("%s: invalid config:\n%w", path, indent(err)))
	}
	log := newLogger(cfg, stderr)
	slog.SetDefault(log)
	d, err := daemon.New(ctx, daemon.Options{
		ConfigPath:   path,
		OpenHardware: openHardware,
		OpenModem:    openModem,
		Log:          log,
		Notify: func(state string) {
			if _, err := sdaemon.SdNotify(false, state); err != nil {
				log.Warn("systemd notify", "err", err)
			}
		},
	})
	if err != nil {
		return cli.WithCode(exitFailed, err)
	}
	if interval, err := sdaemon.SdWatchdogEnabled(false); err == nil && interval > 0 {
		d.EnableWatchdog(interval / 2)
	}
	if stallSignal {
		stallOnSIGUSR2(ctx, d, log)
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				if err := d.Reload(rctx); err != nil {
					log.Error("reload", "err", err)
				}
				cancel()
			}
		}
	}()
	if err := d.Run(ctx); err != nil {
		return cli.WithCode(exitFailed, err)
	}
	return nil
}
