package center

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/safehub-iot/safehub/center/alarmdb"
	"github.com/safehub-iot/safehub/center/broker"
)

// ErrUsage is returned for bad flags; main exits with status 2.
var ErrUsage = errors.New("usage")

// Run is safehub-center's command line: flags → Config → Start, then wait
// for ctx (SIGINT/SIGTERM) and Close. "acl" prints the district ACL;
// "operator" sets an operator's password, read from stdin.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "acl":
			fmt.Fprint(stdout, broker.DistrictACL())
			return nil
		case "operator":
			return runOperator(ctx, args[1:], stdin, stdout, stderr)
		}
	}
	fs := flag.NewFlagSet("safehub-center", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		cfg                       Config
		demoOp, logLevel          string
		caFile, certFile, keyFile string
		brokerCert, brokerKey     string
	)
	fs.StringVar(&cfg.HTTPAddr, "http", "127.0.0.1:8080", "web console `address`")
	fs.StringVar(&cfg.MQTTAddr, "mqtt", "127.0.0.1:1883", "embedded broker `address`")
	fs.StringVar(&cfg.DBPath, "db", "safehub-center.db", "SQLite database `path`")
	fs.StringVar(&demoOp, "demo-operator", "", "create or update an operator account `name:password` at start (demo)")
	fs.StringVar(&cfg.BrokerURL, "broker", "", "external broker `url` (tcp://host:1883, ssl://host:8883) instead of the embedded one")
	fs.StringVar(&caFile, "ca", "", "device CA certificate `file`: trusts the broker (client side) and, with --broker-cert, the boxes")
	fs.StringVar(&certFile, "client-cert", "", "the center's client certificate `file` (CN "+broker.CenterUser+")")
	fs.StringVar(&keyFile, "client-key", "", "the center's client key `file`")
	fs.StringVar(&brokerCert, "broker-cert", "", "embedded broker: server certificate `file`; enables TLS with client certificates")
	fs.StringVar(&brokerKey, "broker-key", "", "embedded broker: server key `file`")
	fs.StringVar(&cfg.ClientID, "client-id", "safehub-center-1", "MQTT client `id`; unique per console instance")
	fs.StringVar(&cfg.ShareGroup, "share-group", "safehub-center", "shared subscription `group` (\"-\": none)")
	fs.DurationVar(&cfg.HeartbeatLimit, "heartbeat-limit", 2*time.Minute, "silence after which a home without announced heartbeat interval is offline")
	fs.StringVar(&logLevel, "log-level", "info", "log `level`: debug, info, warn, error")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", ErrUsage, fs.Arg(0))
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("%w: --log-level: %q (want debug, info, warn or error)", ErrUsage, logLevel)
	}
	cfg.Log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if demoOp != "" {
		name, pw, ok := strings.Cut(demoOp, ":")
		if !ok || name == "" || pw == "" {
			return fmt.Errorf("%w: --demo-operator: want name:password", ErrUsage)
		}
		cfg.Operators = map[string]string{name: pw}
	}
	if err := tlsFlags(&cfg, caFile, certFile, keyFile, brokerCert, brokerKey); err != nil {
		return err
	}
	c, err := Start(ctx, cfg)
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
	if demoOp != "" {
		name, _, _ := strings.Cut(demoOp, ":")
		fmt.Fprintf(stdout, "Demo operator: %s (password as given with --demo-operator)\n", name)
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return c.Close(sctx)
}

func tlsFlags(cfg *Config, caFile, certFile, keyFile, brokerCert, brokerKey string) error {
	if (certFile == "") != (keyFile == "") {
		return fmt.Errorf("%w: --client-cert and --client-key go together", ErrUsage)
	}
	if (brokerCert == "") != (brokerKey == "") {
		return fmt.Errorf("%w: --broker-cert and --broker-key go together", ErrUsage)
	}
	if brokerCert != "" && cfg.BrokerURL != "" {
		return fmt.Errorf("%w: --broker-cert is for the embedded broker; drop it or --broker", ErrUsage)
	}
	var pool *x509.CertPool
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return fmt.Errorf("--ca: %w", err)
		}
		pool = x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("--ca: %s holds no PEM certificate", caFile)
		}
	}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return fmt.Errorf("--client-cert/--client-key: %w", err)
		}
		cfg.ClientTLS = &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	} else if pool != nil {
		cfg.ClientTLS = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	if brokerCert != "" {
		if pool == nil || certFile == "" {
			return fmt.Errorf("%w: --broker-cert needs --ca (the device CA) and --client-cert/--client-key for the center itself", ErrUsage)
		}
		cert, err := tls.LoadX509KeyPair(brokerCert, brokerKey)
		if err != nil {
			return fmt.Errorf("--broker-cert/--broker-key: %w", err)
		}
		cfg.BrokerTLS = &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12}
	}
	return nil
}

func runOperator(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("safehub-center operator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", "safehub-center.db", "SQLite database `path`")
	name := fs.String("name", "", "operator `name`")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if *name == "" {
		return fmt.Errorf("%w: operator: --name is required", ErrUsage)
	}
	fmt.Fprintf(stderr, "password for %s (one line on stdin): ", *name)
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password: %w", err)
	}
	d, err := alarmdb.Open(ctx, *db, nil)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.SetOperator(ctx, *name, strings.TrimRight(line, "\r\n")); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "operator %s saved\n", *name)
	return nil
}
