package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/gateway/config"
)

func TestProvisionWithoutCertificates(t *testing.T) {
	tests := []struct {
		name     string
		template string
		want     func(t *testing.T, cfg *config.File, text, out string)
	}{
		{name: "blank lines and comments kept", template: "testdata/template-layout.yaml", want: func(t *testing.T, _ *config.File, text, _ string) {
			require.Contains(t, text, "# SafeHub box config template.\n\nsite:\n")
			require.Contains(t, text, "  timezone: Europe/Berlin\n\nhardware: sim\n")
		}},
		{name: "the template's username becomes the site's", template: "testdata/template-layout.yaml", want: func(t *testing.T, cfg *config.File, _, _ string) {
			require.Equal(t, "flat-1", cfg.Cloud.Username)
			require.Equal(t, "safehub-flat-1", cfg.Cloud.ClientID)
		}},
		{name: "no username stays none", template: "testdata/template.yaml", want: func(t *testing.T, cfg *config.File, _, _ string) {
			require.Equal(t, "", cfg.Cloud.Username)
		}},
		{name: "no certificates line without certificates", template: "testdata/template.yaml", want: func(t *testing.T, _ *config.File, _, out string) {
			require.NotContains(t, out, "certificates in")
			require.Contains(t, out, "saved ")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfgPath := filepath.Join(t.TempDir(), "safehub.yaml")
			code, out, errOut := runCLI(t, "provision", "--config", cfgPath, "--template", tt.template,
				"--site", "flat-1", "--broker", "tcp://127.0.0.1:1883")
			require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			cfg, err := config.Load(cfgPath)
			require.NoError(t, err)
			text, err := os.ReadFile(cfgPath)
			require.NoError(t, err)
			tt.want(t, cfg, string(text), out)
		})
	}
}
