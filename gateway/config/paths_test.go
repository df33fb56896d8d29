package config_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/gateway/config"
	"github.com/safehub-iot/safehub/gateway/daemon"
	"github.com/safehub-iot/safehub/rules"
	"github.com/safehub-iot/safehub/rules/rulesfile"
)

// The packaged config uses the packaged rules, installed beside it, and
// every rule of it loads for the example's sensors: gas, fall, climate and
// inactivity alarm, not only the built-in button and smoke.
func TestExampleUsesPackagedRules(t *testing.T) {
	cfg, err := config.Load("../../configs/example.yaml")
	require.NoError(t, err)
	want, err := filepath.Abs("../../configs/rules.yaml")
	require.NoError(t, err)
	require.Equal(t, want, cfg.Rules.File, "rules.file is not the rules file beside the config")
	_, err = rulesfile.Load(cfg.Rules.File, daemon.RulesEnv(cfg))
	require.NoError(t, err)
	fh, err := os.Open(cfg.Rules.File)
	require.NoError(t, err)
	defer fh.Close()
	rf, err := rulesfile.Decode(fh, daemon.RulesEnv(cfg))
	require.NoError(t, err)
	kinds := map[rules.Kind]bool{}
	for _, r := range rf.Rules {
		kinds[r.Kind] = true
	}
	for _, k := range []rules.Kind{rules.Threshold, rules.Fall, rules.Inactivity, rules.NightDoor} {
		require.True(t, kinds[k], "no %s rule in force", k)
	}
}

// Relative paths are taken from the config file's folder, not from the
// working directory; absolute ones stay.
func TestRelativePathsFromConfigFolder(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"rules.yaml", "ca.pem"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), []byte("rules: []\n"), 0o600))
	}
	src := `site: {id: flat-1, timezone: Europe/Berlin}
store: {path: data/box.db}
api: {socket: /run/safehub/safehubd.sock}
rules: {file: rules.yaml}
cloud:
  brokers: [ssl://center.example.org:8883]
  tls: {ca: ca.pem}
sensors:
  - {id: button, kind: call_button, driver: gpio, options: {pin: GPIO17}}
`
	path := filepath.Join(dir, "safehub.yaml")
	require.NoError(t, os.WriteFile(path, []byte(src), 0o600))
	t.Chdir(t.TempDir()) // elsewhere: nothing resolves against the working directory
	cfg, err := config.Load(path)
	require.NoError(t, err)
	tests := []struct{ name, got, want string }{
		{"store.path", cfg.Store.Path, filepath.Join(dir, "data/box.db")},
		{"rules.file", cfg.Rules.File, filepath.Join(dir, "rules.yaml")},
		{"cloud.tls.ca", cfg.Cloud.TLS.CA, filepath.Join(dir, "ca.pem")},
		{"api.socket", cfg.API.Socket, "/run/safehub/safehubd.sock"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}
