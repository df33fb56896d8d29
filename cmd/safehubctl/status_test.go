package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/gateway/api"
)

func TestStatusJSONMatchesDaemon(t *testing.T) {
	b := startBox(t)
	code, out, errOut := runCLI(t, "--socket", b.socket, "status", "--json")
	require.Equal(t, exitOK, code, errOut)
	var st api.Status
	require.NoError(t, json.Unmarshal([]byte(out), &st))
	require.Equal(t, "demo-home", st.Site)
	require.Equal(t, "dev", st.Version)
	require.Greater(t, st.UptimeS, 0.0)
	require.False(t, st.TestMode)
	require.Equal(t, api.LinkNotConfigured, st.Link.State)
	var got []string
	for _, s := range st.Sensors {
		got = append(got, s.ID+"/"+s.Kind+"/"+s.Room)
	}
	require.Equal(t, []string{"door-entrance/door/hall", "pendant-anna/pendant/bedroom"}, got)

	// The outbox depth is the daemon's: every event is unsent without a
	// link, and the event log says how many there are.
	code, out, errOut = runCLI(t, "--socket", b.socket, "events", "list", "--json", "--since", "1h")
	require.Equal(t, exitOK, code, errOut)
	var evs []json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(out), &evs))
	require.NotEmpty(t, evs)
	require.Equal(t, len(evs), st.Link.OutboxDepth)

	code, out, _ = runCLI(t, "--socket", b.socket, "status")
	require.Equal(t, exitOK, code)
	require.Contains(t, out, "Site:       demo-home")
	require.Contains(t, out, "not configured")
	require.Equal(t, 1, lines(out, "pendant-anna"))
}

func TestStoppedDaemon(t *testing.T) {
	b := startBox(t)
	b.stop(t)
	tests := []struct {
		name string
		args []string
	}{
		{name: "status", args: []string{"status"}},
		{name: "sensors list", args: []string{"sensors", "list", "--json"}},
		{name: "reload", args: []string{"reload"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"--socket", b.socket}, tt.args...)...)
			require.Equal(t, exitNoDaemon, code)
			require.Empty(t, out)
			require.Contains(t, errOut, "safehubd is not running (socket "+b.socket)
		})
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "unknown command", args: []string{"bogus"}, want: `unknown command "bogus"`},
		{name: "unknown flag", args: []string{"status", "--bogus"}, want: "unknown flag: --bogus"},
		{name: "bad since", args: []string{"events", "list", "--since", "yesterday"}, want: `--since "yesterday": expected a duration`},
		{name: "pair without name", args: []string{"pair"}, want: "expected the new sensor's name"},
		{name: "pair bad kind", args: []string{"pair", "x", "--kind", "toaster"}, want: `--kind "toaster": expected one of pendant, door, smoke`},
		{name: "provision without site", args: []string{"provision", "--broker", "tcp://a:1883"}, want: "--site is required"},
		{name: "provision bad broker", args: []string{"provision", "--site", "a", "--broker", "center:8883"}, want: `--broker "center:8883": expected a URL`},
		{name: "provision tls without ca", args: []string{"provision", "--site", "a", "--broker", "ssl://c:8883"}, want: "--ca (the center's CA certificate) is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, append([]string{"--socket", "/nonexistent/api.sock"}, tt.args...)...)
			require.Equal(t, exitUsage, code, errOut)
			require.True(t, strings.Contains(errOut, tt.want), "stderr %q lacks %q", errOut, tt.want)
		})
	}
}
