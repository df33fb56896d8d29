package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/firmware-sim/scenario"
	"github.com/safehub-iot/safehub/internal/cli"
	"github.com/safehub-iot/safehub/internal/cli/clitest"
)

const demoConfig = "../../configs/demo.yaml"

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// Every scenario in configs/scenarios runs as an acceptance test, through
// the same code as `safehub-sim run`: the center on its embedded broker,
// the home's real pipeline on simulated devices with its cloud link.
func TestScenarios(t *testing.T) {
	files, err := filepath.Glob("../../configs/scenarios/*.yaml")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 6)
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".yaml"), func(t *testing.T) {
			sc, err := scenario.Load(f)
			require.NoError(t, err)
			var out bytes.Buffer
			o, err := runScenario(context.Background(), demoConfig, sc, &out, quietLog())
			require.NoError(t, err, "run log:\n%s", out.String())
			require.Empty(t, o.Mismatches, "alarms at the center: %v\nrun log:\n%s", o.Alarms, out.String())
		})
	}
}

// A scenario whose declared outcome is wrong fails: the check is not a
// formality.
func TestWrongOutcomeFails(t *testing.T) {
	sc, err := scenario.Parse(strings.NewReader(`
name: button declared as gas
duration: 3m
steps:
  - {at: 30s, do: press, device: button-bedroom}
expect:
  alarms:
    - {rule: gas}
`))
	require.NoError(t, err)
	o, err := runScenario(context.Background(), demoConfig, sc, nil, quietLog())
	require.NoError(t, err)
	require.Len(t, o.Alarms, 1)
	require.Equal(t, scenario.Alarm{Rule: "call-button", Sensor: "button-bedroom", SensorKind: "call_button", Severity: "critical", State: "active"}, o.Alarms[0])
	require.Len(t, o.Mismatches, 2)
	require.Contains(t, o.Mismatches[0], "alarm {rule=gas} (line 8): want 1 at the center, got 0")
	require.Contains(t, o.Mismatches[1], "unexpected alarm at the center: {rule=call-button")
}

func TestRunCommandExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
		return p
	}
	flicker := write("flicker.yaml", "name: flicker\nduration: 2m\nsteps:\n  - {at: 30s, do: flicker, device: button-bedroom}\nexpect:\n  alarms: []\n")
	wrong := write("wrong.yaml", "name: wrong\nduration: 2m\nsteps:\n  - {at: 30s, do: flicker, device: button-bedroom}\nexpect:\n  alarms:\n    - {rule: call-button}\n")
	broken := write("broken.yaml", "name: broken\nduration: 2m\nsteps:\n  - {at: 30s, do: press, device: button-bedroom, ppm: 4}\n")
	tests := []struct {
		name     string
		args     []string
		code     int
		contains string
	}{
		{"flicker raises nothing", []string{"run", "-q", "--config", demoConfig, flicker}, exitOK, "--- PASS flicker: 0 alarms"},
		{"declared alarm missing", []string{"run", "-q", "--config", demoConfig, wrong}, exitFailed, "want 1 at the center, got 0"},
		{"bad scenario file", []string{"run", "--config", demoConfig, broken}, exitScenario, "line 4: steps[0].ppm: not used by press"},
		{"no file", []string{"run"}, exitUsage, "name at least one scenario file"},
		{"unknown flag", []string{"run", "--fast", flicker}, exitUsage, "unknown flag: --fast"},
		{"unknown command", []string{"walk"}, exitUsage, `unknown command "walk"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runSim(t, tt.args...)
			require.Equal(t, tt.code, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
			require.Contains(t, stdout+stderr, tt.contains)
		})
	}
}

// runSim runs safehub-sim's command line as main does and returns the exit
// code and what it printed.
func runSim(tb testing.TB, args ...string) (code int, stdout, stderr string) {
	tb.Helper()
	var out, errOut bytes.Buffer
	code = cli.Exit(&errOut, "safehub-sim", Run(context.Background(), args, &out, &errOut))
	return code, out.String(), errOut.String()
}

// Every command's help page exits 0 and shows examples; a bare
// safehub-sim is a usage mistake.
func TestHelp(t *testing.T) {
	paths := clitest.Help(t, newRoot(io.Discard, io.Discard), func(args []string, stdout, stderr io.Writer) error {
		return Run(context.Background(), args, stdout, stderr)
	})
	require.Len(t, paths, 5, "safehub-sim and its run, demo, district and idle: %v", paths)
	code, _, stderr := runSim(t)
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "name a command: run, demo, district or idle")
}
