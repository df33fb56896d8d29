package main

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

// A short district run: 200 homes, each with its own pipeline and MQTT
// session, against the center on its embedded broker; every alarm must be
// in the console exactly once.
func TestDistrictSmoke(t *testing.T) {
	code, out, stderr := runSim(t, "district", "--homes", "200", "--rate", "200", "--rtt", "50", "--settle", "60s")
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, stderr)
	require.Contains(t, out, "connected: 200 homes")
	require.Regexp(t, regexp.MustCompile(`storm: 200 alarms pressed .* \(n=200\); lost 0`), out)
	require.Contains(t, out, "console: 200 alarms stored for 200 raised (duplicates 0, lost 0)")
}

func TestDistrictFlagErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no homes", []string{"district", "--homes", "0"}, "--homes: 0 (want at least 1)"},
		{"bad rate", []string{"district", "--rate", "-1"}, "--rate: -1 (want more than 0)"},
		{"outage without mosquitto", []string{"district", "--outage", "1m"}, "--outage needs --mosquitto"},
		{"stray argument", []string{"district", "now"}, `unexpected argument "now"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runSim(t, tt.args...)
			require.Equal(t, exitUsage, code)
			require.Contains(t, stderr, tt.want)
		})
	}
}
