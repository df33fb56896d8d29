package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/safehub-iot/safehub/center"
	"github.com/safehub-iot/safehub/center/alarmdb"
	"github.com/safehub-iot/safehub/center/broker"
	"github.com/safehub-iot/safehub/internal/cli"
)

const rootLong = `safehub-center is the community center's alarm console. It receives the alarms of
every SafeHub home over MQTT (from its embedded broker, or from an external one with
--broker), stores them in its SQLite database and serves the operators' web console.
It runs until SIGINT or SIGTERM.

Without --broker-cert the embedded broker is in demo mode: boxes log in with their
site id as user name, without TLS, on loopback only. With --broker-cert, --ca and the
center's own --client-cert/--client-key it requires TLS client certificates whose CN
is the site id. See configs/center/README.md.`

// serveFlags are the flags of the console itself (the root command).
type serveFlags struct {
	cfg                       center.Config
	demoOp, logLevel          string
	caFile, certFile, keyFile string
	brokerCert, brokerKey     string
}

// Run is safehub-center's command line: flags → Config → Start, then wait
// for ctx (SIGINT/SIGTERM) and Close. "acl" prints the district ACL;
// "operator" sets an operator's password. main maps its error to the exit
// code with cli.Exit.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return cli.Execute(ctx, newRoot(stdin, stdout, stderr), args)
}

func newRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var f serveFlags
	root := &cobra.Command{
		Use:   "safehub-center [flags]",
		Short: "The community center's alarm console: MQTT broker, alarm store, operators' web console",
		Long:  rootLong,
		Example: `  safehub-center --demo-operator anna:correct-horse        # demo: embedded broker on loopback
  safehub-center --http 0.0.0.0:8080 --db /var/lib/safehub-center/center.db
  safehub-center --broker ssl://broker:8883 --ca device-ca.crt --client-cert center.crt --client-key center.key`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return serve(cmd.Context(), f, stdout, stderr) },
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	fs := root.Flags()
	fs.StringVar(&f.cfg.HTTPAddr, "http", "127.0.0.1:8080", "web console `address`")
	fs.StringVar(&f.cfg.MQTTAddr, "mqtt", "127.0.0.1:1883", "embedded broker `address`")
	fs.StringVar(&f.cfg.DBPath, "db", "safehub-center.db", "SQLite database `path`")
	fs.StringVar(&f.demoOp, "demo-operator", "", "create or update an operator account `name:password` at start (demo)")
	fs.StringVar(&f.cfg.BrokerURL, "broker", "", "external broker `url` (tcp://host:1883, ssl://host:8883) instead of the embedded one")
	fs.StringVar(&f.caFile, "ca", "", "device CA certificate `file`: trusts the broker (client side) and, with --broker-cert, the boxes")
	fs.StringVar(&f.certFile, "client-cert", "", "the center's client certificate `file` (CN "+broker.CenterUser+")")
	fs.StringVar(&f.keyFile, "client-key", "", "the center's client key `file`")
	fs.StringVar(&f.brokerCert, "broker-cert", "", "embedded broker: server certificate `file`; enables TLS with client certificates")
	fs.StringVar(&f.brokerKey, "broker-key", "", "embedded broker: server key `file`")
	fs.StringVar(&f.cfg.ClientID, "client-id", "safehub-center-1", "MQTT client `id`; unique per console instance")
	fs.StringVar(&f.cfg.ShareGroup, "share-group", "safehub-center", "shared subscription `group` (\"-\": none)")
	fs.DurationVar(&f.cfg.HeartbeatLimit, "heartbeat-limit", 2*time.Minute, "silence after which a home without announced heartbeat interval is offline")
	fs.Int64Var(&f.cfg.SeqWindow, "seq-window", alarmdb.DefaultSeqWindow, "largest jump of a home's sequence number taken as lost events; past it, a maintenance item")
	fs.StringVar(&f.logLevel, "log-level", "info", "log `level`: debug, info, warn, error")
	root.AddCommand(&cobra.Command{
		Use:   "acl",
		Short: "Print the district ACL for a Mosquitto broker (acl_file)",
		Long: `acl prints the access rules of the district: the center's consoles read what the
boxes send and send commands; each box, by its identity, writes its own topics and
reads its own commands. The embedded broker applies the same rules.`,
		Example: `  safehub-center acl > configs/center/acl`,
		Args:    cobra.NoArgs,
		Run:     func(*cobra.Command, []string) { fmt.Fprint(stdout, broker.DistrictACL()) },
	}, operatorCommand(stdin, stdout, stderr))
	return root
}

// serve starts the console and waits for ctx.
func serve(ctx context.Context, f serveFlags, stdout, stderr io.Writer) error {
	cfg := f.cfg
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return cli.Usagef("--log-level: %q (want debug, info, warn or error)", f.logLevel)
	}
	cfg.Log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if f.demoOp != "" {
		name, pw, ok := strings.Cut(f.demoOp, ":")
		if !ok || name == "" || pw == "" {
			return cli.Usagef("--demo-operator: want name:password")
		}
		cfg.Operators = map[string]string{name: pw}
	}
	if err := tlsFlags(&cfg, f.caFile, f.certFile, f.keyFile, f.brokerCert, f.brokerKey); err != nil {
		return err
	}
	c, err := center.Start(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "SafeHub center console: %s\n", c.HTTPURL())
	if cfg.BrokerURL == "" {
		mode := "DEMO mode: boxes log in with user name = site id, no TLS; loopback only"
		if cfg.BrokerTLS != nil {
			mode = "TLS with client certificates (CN = site id)"
		}
		fmt.Fprintf(stdout, "Embedded MQTT broker: %s (%s)\n", c.BrokerURL(), mode)
	}
	if f.demoOp != "" {
		name, _, _ := strings.Cut(f.demoOp, ":")
		fmt.Fprintf(stdout, "Demo operator: %s (password as given with --demo-operator)\n", name)
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return c.Close(sctx)
}
