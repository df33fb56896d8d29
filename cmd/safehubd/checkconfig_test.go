package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/internal/cli"
)

// check-config warns, and still exits 0, about a sensor no rule can raise
// an alarm for and about a placeholder phone number; a broken rules file
// named by the config is a mistake.
func TestCheckConfigWarnings(t *testing.T) {
	const sensors = `
sensors:
  - {id: button, kind: call_button, driver: gpio, options: {pin: GPIO17}}
  - {id: smoke, kind: smoke, driver: gpio, options: {pin: GPIO27}}
`
	const rulesOK = "rules:\n  - {id: b, kind: digital, sensors: [button]}\n  - {id: s, kind: digital, sensors: [smoke]}\n"
	const rulesButton = "rules:\n  - {id: b, kind: digital, sensors: [button]}\n  - {id: h, kind: health, sensors: [smoke], stale_after: 10m}\n"
	tests := []struct {
		name, extra, rules string
		wantCode           int
		want, notWant      []string
	}{
		{name: "all alarm, real number", extra: "rules: {file: rules.yaml}\nfallback: {port: /dev/ttyUSB1, numbers: ['+4917612983471']}\n", rules: rulesOK,
			want: []string{"config is valid\n"}, notWant: []string{"warning"}},
		{name: "placeholder number", extra: "rules: {file: rules.yaml}\nfallback: {port: /dev/ttyUSB1, numbers: ['+8613800000000', '+4930123456']}\n", rules: rulesOK,
			want: []string{`:3: fallback.numbers[0]: "+8613800000000" looks like a placeholder`, `fallback.numbers[1]: "+4930123456" looks like a placeholder`, "with 2 warnings"}},
		{name: "sensor only a health rule watches", extra: "rules: {file: rules.yaml}\n", rules: rulesButton,
			want: []string{`sensors[1].id: sensor "smoke" (smoke): no rule in`, "with 1 warning\n"}, notWant: []string{`"button"`}},
		{name: "reset button needs no rule", extra: "  - {id: reset, kind: reset_button, driver: gpio, options: {pin: GPIO16}}\n",
			want: []string{"config is valid\n"}, notWant: []string{"warning"}},
		{name: "gas without a rules file", extra: "  - {id: gas, kind: gas, driver: ads1115-mq, options: {bus: '1', address: 0x48, channel: 0, calibration: {load_ohms: 10000, r0_ohms: 9800, supply_volts: 5, curve: {a: 574.25, b: -2.222}}}}\n",
			want: []string{`sensor "gas" (gas): no rules file`}, notWant: []string{`"button"`, `"smoke"`}},
		{name: "broken rules file", extra: "rules: {file: rules.yaml}\n", rules: "rules:\n  - {id: b, kind: digital, sensors: [nobody]}\n",
			wantCode: exitInvalid, want: []string{"invalid rules", `unknown sensor "nobody"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			body := "site: {id: flat-1, timezone: Europe/Berlin}\n"
			if strings.HasPrefix(tc.extra, "  -") {
				body += sensors + tc.extra
			} else {
				body += tc.extra + sensors
			}
			path := filepath.Join(dir, "safehub.yaml")
			require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
			if tc.rules != "" {
				require.NoError(t, os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte(tc.rules), 0o600))
			}
			var out strings.Builder
			code := cli.Exit(&out, "safehubd", Run(context.Background(), []string{"check-config", path}, &out, &out))
			require.Equal(t, tc.wantCode, code, "output: %s", out.String())
			for _, w := range tc.want {
				require.Contains(t, out.String(), w)
			}
			for _, w := range tc.notWant {
				require.NotContains(t, out.String(), w)
			}
		})
	}
}
