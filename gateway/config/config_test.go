package config_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	_ "github.com/safehub-iot/safehub/drivers/all"
	"github.com/safehub-iot/safehub/gateway/config"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestExampleConfigIsValid(t *testing.T) {
	cfg, err := config.Load("../../configs/example.yaml")
	require.NoError(t, err)
	require.Equal(t, "flat-12b", cfg.Site.ID)
	require.Equal(t, 30*time.Second, cfg.Cloud.Keepalive.D())
	require.Len(t, cfg.Sensors, 11)
	require.NotNil(t, cfg.Fallback)
}

func TestFiveMistakesAllNamedWithLines(t *testing.T) {
	_, err := config.Load("testdata/five-mistakes.yaml")
	require.Error(t, err)
	var es config.Errors
	require.True(t, errors.As(err, &es), "want config.Errors, got %T", err)
	got := err.Error() + "\n"
	golden := "testdata/five-mistakes.golden"
	if *update {
		require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	require.Equal(t, string(want), got)
	require.Len(t, es, 5)
}

func TestMistakes(t *testing.T) {
	base, err := os.ReadFile("testdata/valid.yaml")
	require.NoError(t, err)
	tests := []struct {
		name    string
		edit    func(string) string
		want    string
		wantErr bool
		only    bool // want is the whole error text
	}{
		{name: "valid", edit: func(s string) string { return s }},
		{name: "missing site id", edit: func(s string) string { return strings.Replace(s, "  id: flat-1\n", "", 1) }, want: "line 2: site.id: required", wantErr: true},
		{name: "bad timezone", edit: func(s string) string { return strings.Replace(s, "Europe/Berlin", "Mars/Olympus", 1) }, want: "line 3: site.timezone: \"Mars/Olympus\" is not an IANA timezone", wantErr: true},
		{name: "unknown top-level field", edit: func(s string) string { return s + "sirens: 2\n" }, want: "line 11: sirens: unknown field", wantErr: true},
		{name: "wrong type", edit: func(s string) string {
			return strings.Replace(s, "path: /tmp/x.db", "path: /tmp/x.db\n  max_events: lots", 1)
		}, want: "line 6: store.max_events: expected a whole number, got text \"lots\"", wantErr: true},
		{name: "wrong type in options", edit: func(s string) string { return strings.Replace(s, "{pin: GPIO17}", "{pin: GPIO17, pull: [up]}", 1) }, want: "line 10: sensors[0].options.pull: expected a text value, got a list", wantErr: true},
		{name: "duplicate key", edit: func(s string) string { return s + "store:\n  path: /tmp/y.db\n" }, want: "line 11: store: written twice (first at line 4): keep one", wantErr: true, only: true},
		{name: "duplicate option", edit: func(s string) string { return strings.Replace(s, "{pin: GPIO17}", "{pin: GPIO17, pin: GPIO18}", 1) }, want: "line 10: sensors[0].options.pin: written twice (first at line 10): keep one", wantErr: true},
		{name: "unclosed quote", edit: func(s string) string { return strings.Replace(s, "Europe/Berlin", "\"Europe/Berlin", 1) }, want: "line 3: YAML syntax: the file ends inside a quoted value", wantErr: true},
		{name: "tab indentation", edit: func(s string) string { return strings.Replace(s, "  timezone", "\ttimezone", 1) }, want: "line 2: YAML syntax: a tab is used for indentation: indent with spaces only", wantErr: true},
		{name: "bad duration", edit: func(s string) string { return s + "cloud:\n  brokers: [tcp://127.0.0.1:1883]\n  keepalive: soon\n" }, want: "line 13: expected a duration", wantErr: true},
		{name: "keepalive out of range", edit: func(s string) string { return s + "cloud:\n  brokers: [tcp://127.0.0.1:1883]\n  keepalive: 1s\n" }, want: "line 13: cloud.keepalive: 1s is out of range", wantErr: true},
		{name: "bad broker url", edit: func(s string) string { return s + "cloud:\n  brokers: [\"http://x:1\"]\n" }, want: "cloud.brokers[0]: \"http://x:1\": unsupported scheme", wantErr: true},
		{name: "unknown driver", edit: func(s string) string { return strings.Replace(s, "driver: gpio", "driver: gpoi", 1) }, want: "line 9: sensors[0].driver: \"gpoi\": unknown sensor driver", wantErr: true},
		{name: "unknown kind", edit: func(s string) string { return strings.Replace(s, "kind: call_button", "kind: toaster", 1) }, want: "line 8: sensors[0].kind: \"toaster\": expected one of", wantErr: true},
		{name: "unknown option", edit: func(s string) string { return strings.Replace(s, "{pin: GPIO17}", "{pin: GPIO17, pul: up}", 1) }, want: "line 10: sensors[0].options.pul: unknown field", wantErr: true},
		{name: "bad pull", edit: func(s string) string { return strings.Replace(s, "{pin: GPIO17}", "{pin: GPIO17, pull: sideways}", 1) }, want: "line 10: sensors[0].options.pull: \"sideways\": expected up, down or none", wantErr: true},
		{name: "missing pin", edit: func(s string) string { return strings.Replace(s, "{pin: GPIO17}", "{pull: up}", 1) }, want: "sensors[0].options.pin: required", wantErr: true},
		{name: "pin beyond GPIO27", edit: func(s string) string { return strings.Replace(s, "{pin: GPIO17}", "{pin: GPIO99}", 1) }, want: "line 10: sensors[0].options.pin: \"GPIO99\": a Raspberry Pi has GPIO0 to GPIO27", wantErr: true},
		{name: "pin number beyond 27", edit: func(s string) string { return strings.Replace(s, "{pin: GPIO17}", "{pin: \"28\"}", 1) }, want: "line 10: sensors[0].options.pin: \"28\": a Raspberry Pi has GPIO0 to GPIO27", wantErr: true},
		{name: "header pin beyond 40", edit: func(s string) string { return strings.Replace(s, "{pin: GPIO17}", "{pin: P1_99}", 1) }, want: "line 10: sensors[0].options.pin: \"P1_99\": the header has pins P1_1 to P1_40", wantErr: true},
		{name: "header ground pin", edit: func(s string) string { return strings.Replace(s, "{pin: GPIO17}", "{pin: P1_6}", 1) }, want: "line 10: sensors[0].options.pin: \"P1_6\" is a power or ground pin, not a GPIO", wantErr: true},
		{name: "header pin", edit: func(s string) string { return strings.Replace(s, "{pin: GPIO17}", "{pin: P1_11}", 1) }},
		{name: "two sensors on one pin", edit: func(s string) string {
			return s + "  - id: door\n    kind: door\n    driver: gpio\n    options: {pin: GPIO17}\n"
		}, want: "line 14: sensors[1].options.pin: GPIO17 is already used by sensor button", wantErr: true},
		{name: "header name of a used pin", edit: func(s string) string {
			return s + "  - id: door\n    kind: door\n    driver: gpio\n    options: {pin: P1_11}\n"
		}, want: "line 14: sensors[1].options.pin: GPIO17 is already used by sensor button", wantErr: true},
		{name: "siren on a sensor's pin", edit: func(s string) string {
			return s + "outputs:\n  - id: siren\n    kind: siren\n    driver: gpio\n    options: {pin: GPIO17}\n"
		}, want: "line 15: outputs[0].options.pin: GPIO17 is already used by sensor button", wantErr: true},
		{name: "siren on its own pin", edit: func(s string) string {
			return s + "outputs:\n  - id: siren\n    kind: siren\n    driver: gpio\n    options: {pin: GPIO18}\n"
		}},
		{name: "reset button", edit: func(s string) string {
			return s + "  - id: reset\n    kind: reset_button\n    driver: gpio\n    options: {pin: GPIO5}\n"
		}},
		{name: "reset button not wired", edit: func(s string) string {
			return s + "  - id: reset\n    kind: reset_button\n    driver: rf433\n    options: {port: /dev/ttyUSB0}\n"
		}, want: "line 13: sensors[1].driver: \"rf433\": a reset_button is a button wired to the box, driver gpio", wantErr: true},
		{name: "no sensors", edit: func(s string) string { return s[:strings.Index(s, "sensors:")] }, want: "sensors: required: at least one sensor", wantErr: true},
		{name: "yaml syntax", edit: func(s string) string { return s + "  - : [\n" }, want: "line 1", wantErr: true},
		{name: "empty file", edit: func(string) string { return "" }, want: "the file is empty", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.yaml")
			require.NoError(t, os.WriteFile(path, []byte(tc.edit(string(base))), 0o644))
			_, err := config.Load(path)
			if !tc.wantErr {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			if tc.only {
				require.Equal(t, tc.want, err.Error())
				return
			}
			require.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestDriverOptionsDecodeDurations(t *testing.T) {
	cfg, err := config.Load("../../configs/example.yaml")
	require.NoError(t, err)
	var opts struct {
		Pin      string `yaml:"pin"`
		Pull     string `yaml:"pull"`
		Active   string `yaml:"active"`
		Debounce string `yaml:"debounce"`
	}
	require.NoError(t, cfg.Sensors[0].Options.Decode(&opts))
	require.Equal(t, "GPIO17", opts.Pin)
	require.Equal(t, "20ms", opts.Debounce)
}
