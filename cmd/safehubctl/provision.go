package main

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/safehub-iot/safehub/cloudlink/protocol"
	"github.com/safehub-iot/safehub/gateway/api"
	"github.com/safehub-iot/safehub/gateway/config"
	"github.com/safehub-iot/safehub/internal/atomicfile"
	"github.com/safehub-iot/safehub/internal/cli"
)

type provisionOpts struct {
	configPath, template, tlsDir string
	site                         string
	brokers                      []string
	ca, cert, key                string
	check                        bool
	timeout                      time.Duration
	asJSON                       bool
}

func (a *app) provisionCommand() *cobra.Command {
	var o provisionOpts
	cmd := &cobra.Command{
		Use:   "provision",
		Short: "Set the site id, the center's broker(s) and the box's certificates in the config",
		Long: `provision writes the box's identity and its link to the community center into the
config file: the site id, the center's broker URL(s), the center's CA certificate and
this box's client certificate and key (all three from the center).

The certificate files are copied beside the config (--tls-dir; the key with mode 0600)
and the config is written atomically with mode 0640, keeping its comments. Nothing is
written unless the whole new config is valid (exit 3 otherwise).

With --check, the box first connects to every broker with these credentials, exactly
as safehubd will, and reports each step: DNS lookup, TCP connect, TLS verification of
the broker, the broker's acceptance of the box's certificate, MQTT authentication, and
the ACL (reading the site's command topic, writing its reply topic). If any step fails
nothing is saved and the exit code is 5.

When the config file does not exist yet, --template is the starting point (the home's
sensors come from it). Restart safehubd afterwards: systemctl restart safehubd.`,
		Example: `  safehubctl provision --site flat-12b --broker ssl://center.example.org:8883 \
    --ca /media/usb/center-ca.crt --cert /media/usb/flat-12b.crt --key /media/usb/flat-12b.key --check`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.provision(cmd, o) },
	}
	f := cmd.Flags()
	f.StringVarP(&o.configPath, "config", "c", "/etc/safehub/safehub.yaml", "the config file to write")
	f.StringVar(&o.template, "template", "", "starting config when --config does not exist yet (e.g. /usr/share/safehub/example.yaml)")
	f.StringVar(&o.tlsDir, "tls-dir", "", "where the certificate files are copied (default: tls/ beside --config)")
	f.StringVar(&o.site, "site", "", "the home's site id from the center, e.g. flat-12b (required)")
	f.StringSliceVar(&o.brokers, "broker", nil, "the center's broker URL, e.g. ssl://center.example.org:8883 (required; repeat for a backup)")
	f.StringVar(&o.ca, "ca", "", "the center's CA certificate (PEM)")
	f.StringVar(&o.cert, "cert", "", "this box's client certificate (PEM), CN = site id")
	f.StringVar(&o.key, "key", "", "this box's private key (PEM); never printed")
	f.BoolVar(&o.check, "check", false, "connect to every broker with these credentials before saving anything")
	f.DurationVar(&o.timeout, "check-timeout", 10*time.Second, "time allowed for each broker's check")
	f.BoolVar(&o.asJSON, "json", false, "print the check's steps as JSON")
	return cmd
}

func (o provisionOpts) validate() error {
	if o.site == "" {
		return cli.Usagef("--site is required: the home's site id from the center, e.g. flat-12b")
	}
	if err := protocol.ValidSite(o.site); err != nil {
		return cli.Usagef("--site %q: %v", o.site, err)
	}
	if len(o.brokers) == 0 {
		return cli.Usagef("--broker is required: the center's broker URL, e.g. ssl://center.example.org:8883")
	}
	for _, b := range o.brokers {
		u, err := url.Parse(b)
		if err != nil || u.Host == "" || !slices.Contains([]string{"tcp", "mqtt", "ssl", "tls", "mqtts"}, u.Scheme) {
			return cli.Usagef("--broker %q: expected a URL such as ssl://center.example.org:8883 (schemes ssl, tls, mqtts, tcp)", b)
		}
		if u.Scheme != "tcp" && u.Scheme != "mqtt" && o.ca == "" {
			return cli.Usagef("--broker %s is a TLS broker: --ca (the center's CA certificate) is required", b)
		}
	}
	if o.timeout <= 0 {
		return cli.Usagef("--check-timeout %s: expected a positive duration such as 10s", o.timeout)
	}
	return nil
}

func (a *app) provision(cmd *cobra.Command, o provisionOpts) error {
	if err := o.validate(); err != nil {
		return err
	}
	tlsCfg, err := loadTLS(o.ca, o.cert, o.key)
	if err != nil {
		return err
	}
	if o.check {
		if err := a.runCheck(cmd, o, tlsCfg); err != nil {
			return err
		}
	}
	current, err := os.ReadFile(o.configPath)
	switch {
	case errors.Is(err, os.ErrNotExist) && o.template == "":
		return cli.Usagef("%s does not exist: give --template, the starting config with the home's sensors", o.configPath)
	case errors.Is(err, os.ErrNotExist):
		if current, err = os.ReadFile(o.template); err != nil {
			return cli.Usagef("--template: %w", err)
		}
	case err != nil:
		return fmt.Errorf("read config: %w", err)
	}
	if o.tlsDir == "" {
		o.tlsDir = filepath.Join(filepath.Dir(o.configPath), "tls")
	}
	files := []struct{ flag, src, dst string }{
		{"ca", o.ca, filepath.Join(o.tlsDir, "center-ca.crt")},
		{"cert", o.cert, filepath.Join(o.tlsDir, o.site+".crt")},
		{"key", o.key, filepath.Join(o.tlsDir, o.site+".key")},
	}
	// Validate with the given files first: nothing is copied for a config
	// that would be refused.
	srcDoc, err := provisionDoc(current, o, func(i int) string { return absPath(files[i].src) })
	if err != nil {
		return err
	}
	if err := checkConfig(srcDoc, filepath.Dir(o.configPath)); err != nil {
		return err
	}
	if err := os.MkdirAll(o.tlsDir, 0o750); err != nil {
		return fmt.Errorf("create %s: %w", o.tlsDir, err)
	}
	for _, f := range files {
		if f.src == "" {
			continue
		}
		data, err := os.ReadFile(f.src)
		if err != nil {
			return cli.Usagef("--%s: %w", f.flag, err)
		}
		mode := os.FileMode(0o644)
		if f.flag == "key" {
			mode = 0o600
		}
		if err := atomicfile.WriteFile(f.dst, data, mode); err != nil {
			return err
		}
	}
	out, err := provisionDoc(current, o, func(i int) string {
		if files[i].src == "" {
			return ""
		}
		return absPath(files[i].dst)
	})
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(o.configPath, out, 0o640); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "saved %s (site %s, broker %s)\n", o.configPath, o.site, strings.Join(o.brokers, ", "))
	if o.ca != "" || o.cert != "" || o.key != "" {
		fmt.Fprintf(a.stdout, "certificates in %s\n", o.tlsDir)
	}
	fmt.Fprintln(a.stdout, "next: systemctl restart safehubd, then safehubctl status")
	return nil
}

// provisionDoc returns the config text with the provisioned fields set;
// file(i) is the path written for the CA (0), certificate (1) and key (2).
func provisionDoc(current []byte, o provisionOpts, file func(int) string) ([]byte, error) {
	doc, err := config.ParseDoc(current)
	if err != nil {
		return nil, cli.WithCode(exitInvalid, fmt.Errorf("%s: %w:\n%w", o.configPath, api.ErrInvalid, err))
	}
	fields := []struct {
		path  string
		value any
	}{
		{"site.id", o.site}, {"cloud.brokers", o.brokers},
		{"cloud.tls.ca", file(0)}, {"cloud.tls.cert", file(1)}, {"cloud.tls.key", file(2)},
	}
	// A username or client id left from the template (or the site the box
	// served before) is another home's identity: it becomes this site's.
	if doc.Get("cloud.username") != "" {
		fields = append(fields, struct {
			path  string
			value any
		}{"cloud.username", o.site})
	}
	if doc.Get("cloud.client_id") != "" {
		fields = append(fields, struct {
			path  string
			value any
		}{"cloud.client_id", "safehub-" + o.site})
	}
	for _, s := range fields {
		if err := doc.Set(s.path, s.value); err != nil {
			return nil, err
		}
	}
	return doc.Bytes()
}

// absPath makes a path given on the command line absolute (empty stays
// empty), so the config's relative paths can be taken from its folder.
func absPath(p string) string {
	if p == "" {
		return ""
	}
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// checkConfig validates a config that will live in dir.
func checkConfig(data []byte, dir string) error {
	cfg, err := config.Parse(bytes.NewReader(data))
	if err == nil {
		cfg.ResolvePaths(dir)
		err = cfg.Validate()
	}
	if err != nil {
		return cli.WithCode(exitInvalid, fmt.Errorf("the new config would be invalid; nothing saved:\n%w", err))
	}
	return nil
}

func (a *app) runCheck(cmd *cobra.Command, o provisionOpts, tlsCfg *tls.Config) error {
	failed := false
	all := map[string][]stepResult{}
	for _, b := range o.brokers {
		t := checkTarget{Site: o.site, TLS: tlsCfg, Timeout: o.timeout, ClientTag: "check"}
		steps := checkBroker(cmd.Context(), b, t)
		all[b] = steps
		if !o.asJSON {
			printSteps(a.stdout, b, steps)
		}
		if len(steps) == 0 || !steps[len(steps)-1].OK {
			failed = true
		}
	}
	if o.asJSON {
		a.printJSON(all)
	}
	if failed {
		return cli.WithCode(exitCheck, errors.New("check failed; nothing was saved"))
	}
	return nil
}

func printSteps(w io.Writer, broker string, steps []stepResult) {
	fmt.Fprintf(w, "check %s:\n", broker)
	for _, s := range steps {
		mark := "ok    "
		if !s.OK {
			mark = "FAILED"
		}
		fmt.Fprintf(w, "  %s %-22s %s\n", mark, s.Step, s.Detail)
	}
}
