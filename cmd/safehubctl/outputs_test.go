package main

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"periph.io/x/conn/v3/gpio"

	"github.com/safehub-iot/safehub/firmware-sim/simhw"
	"github.com/safehub-iot/safehub/gateway/api"
)

// waitOn waits until the output test's text says the output is on: the
// daemon has switched it on and its timer runs on the box's fake clock.
func waitOn(tb testing.TB, out *syncBuffer, id string) {
	tb.Helper()
	re := regexp.MustCompile(regexp.QuoteMeta(id) + ` \([a-z_]+\)\s+on( \(it was on before the test\))? \.\.\.`)
	require.Eventually(tb, func() bool { return re.MatchString(out.String()) }, 10*time.Second, 5*time.Millisecond,
		"%s never on; output so far:\n%s", id, out)
}

func exited(tb testing.TB, done <-chan int, out, errOut *syncBuffer) int {
	tb.Helper()
	select {
	case code := <-done:
		return code
	case <-time.After(10 * time.Second):
		tb.Fatalf("safehubctl did not finish; stdout:\n%s\nstderr:\n%s", out, errOut)
		return -1
	}
}

func TestOutputsTestSwitchesSirenOnThenOff(t *testing.T) {
	b := startSimBox(t, nil)
	require.Equal(t, gpio.Low, b.hw.Pins.Level("GPIO5"), "siren off at start")

	var out, errOut syncBuffer
	done := startCLI(context.Background(), &out, &errOut, "--socket", b.socket, "outputs", "test", "siren")
	waitOn(t, &out, "siren")
	require.Equal(t, gpio.High, b.hw.Pins.Level("GPIO5"), "the siren pin is high during its test")
	require.Equal(t, gpio.Low, b.hw.Pins.Level("GPIO6"), "only the output under test is on")
	require.Equal(t, gpio.Low, b.hw.Pins.Level("GPIO13"))

	b.clock.Advance(2 * time.Second) // the default --for, on the daemon's clock
	require.Equal(t, exitOK, exited(t, done, &out, &errOut), "stdout:\n%s\nstderr:\n%s", &out, &errOut)
	require.Equal(t, gpio.Low, b.hw.Pins.Level("GPIO5"), "the siren pin is low after its test")
	require.Regexp(t, `siren \(siren\)\s+on \.\.\. off\n`, out.String())
	require.Contains(t, out.String(), "Result: 1 of 1 switched on and back")
}

// The help-coming LED lit by the center's acknowledgement is not switched
// off by a test: it stays lit throughout and after.
func TestOutputsTestLeavesLitLEDLit(t *testing.T) {
	b := startSimBox(t, nil)
	require.NoError(t, b.d.Pipeline().Acknowledge(context.Background(), "some-alarm"))
	require.Equal(t, gpio.High, b.hw.Pins.Level("GPIO13"))

	code, list, errOut := runCLI(t, "--socket", b.socket, "outputs", "list")
	require.Equal(t, exitOK, code, errOut)
	require.Regexp(t, `led-help\s+led_help_coming\s+on\n`, list)
	require.Regexp(t, `siren\s+siren\s+off\n`, list)

	var out, errBuf syncBuffer
	done := startCLI(context.Background(), &out, &errBuf, "--socket", b.socket, "outputs", "test", "led-help", "--for", "500ms")
	waitOn(t, &out, "led-help")
	require.Contains(t, out.String(), "on (it was on before the test) ...")
	b.clock.Advance(500 * time.Millisecond)
	require.Equal(t, exitOK, exited(t, done, &out, &errBuf), "stdout:\n%s\nstderr:\n%s", &out, &errBuf)
	require.Contains(t, out.String(), "... left on\n")
	require.Equal(t, gpio.High, b.hw.Pins.Level("GPIO13"), "still lit after the test")
}

// Ctrl-C while the siren sounds: it goes off at once.
func TestOutputsTestCtrlCSilencesSiren(t *testing.T) {
	b := startSimBox(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := startCLI(ctx, &out, &errOut, "--socket", b.socket, "outputs", "test", "--for", "10s")
	waitOn(t, &out, "siren")
	require.Equal(t, gpio.High, b.hw.Pins.Level("GPIO5"))
	cancel()
	require.Equal(t, exitFailed, exited(t, done, &out, &errOut))
	require.Contains(t, errOut.String(), "output test stopped (the output being tested was put back)")
	require.Eventually(t, func() bool { return b.hw.Pins.Level("GPIO5") == gpio.Low }, 5*time.Second, 5*time.Millisecond,
		"the siren must not sound on after a stopped test")
	require.Equal(t, gpio.Low, b.hw.Pins.Level("GPIO6"), "the test did not go on to the next output")
}

func TestOutputsTestRefusesBadArguments(t *testing.T) {
	b := startSimBox(t, nil)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "unknown id", args: []string{"outputs", "test", "siren", "sirne"},
			want: `unknown output "sirne": this box's outputs are siren, led-sent, led-help`},
		{name: "a kind for an id", args: []string{"outputs", "test", "led_help_coming"},
			want: `("led_help_coming" is an output kind; the id to give is led-help)`},
		{name: "too long", args: []string{"outputs", "test", "--for", "1m"},
			want: "--for 1m0s: expected a duration from 200ms to 10s"},
		{name: "not a duration", args: []string{"outputs", "test", "--for", "loud"},
			want: `invalid argument "loud" for "--for" flag`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"--socket", b.socket}, tt.args...)...)
			require.Equal(t, exitUsage, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			require.Contains(t, errOut, tt.want)
			require.Empty(t, out)
		})
	}
	for _, pin := range []string{"GPIO5", "GPIO6", "GPIO13"} {
		require.Equal(t, gpio.Low, b.hw.Pins.Level(pin), "a refused test switches nothing on")
	}
}

// An output whose pin could not be opened is listed and tested as failed,
// with the reason; the others are tested all the same.
func TestOutputsTestReportsBrokenOutput(t *testing.T) {
	b := startSimBox(t, func(hw *simhw.Hardware) {
		hw.Pins.Break("GPIO6", errors.New("pin claimed by another process"))
	})

	code, out, errOut := runCLI(t, "--socket", b.socket, "outputs", "list", "--json")
	require.Equal(t, exitOK, code, errOut)
	var list []api.OutputStatus
	require.NoError(t, json.Unmarshal([]byte(out), &list))
	require.Len(t, list, 3)
	require.Equal(t, "led-sent", list[1].ID)
	require.False(t, list[1].OK)
	require.Contains(t, list[1].Error, "pin claimed by another process")
	code, out, _ = runCLI(t, "--socket", b.socket, "outputs", "list")
	require.Equal(t, exitOK, code)
	require.Regexp(t, `led-sent\s+led_alarm_sent\s+FAILED: open GPIO6: pin claimed by another process\n`, out)

	// Every output: the siren and the help LED really switch, the broken
	// one is reported, and the command fails.
	var text, errBuf syncBuffer
	done := startCLI(context.Background(), &text, &errBuf, "--socket", b.socket, "outputs", "test", "--for", "200ms")
	waitOn(t, &text, "siren")
	require.Equal(t, gpio.High, b.hw.Pins.Level("GPIO5"))
	b.clock.Advance(200 * time.Millisecond)
	waitOn(t, &text, "led-help")
	require.Equal(t, gpio.Low, b.hw.Pins.Level("GPIO5"))
	require.Equal(t, gpio.High, b.hw.Pins.Level("GPIO13"))
	b.clock.Advance(200 * time.Millisecond)
	require.Equal(t, exitFailed, exited(t, done, &text, &errBuf), "stdout:\n%s\nstderr:\n%s", &text, &errBuf)
	require.Regexp(t, `led-sent \(led_alarm_sent\)\s+FAILED: not opened at start: .*pin claimed by another process\n`, text.String())
	require.Contains(t, text.String(), "Result: 2 of 3 switched on and back, 1 failed (led-sent)")
	require.Contains(t, errBuf.String(), "output test: led-sent failed; check the wiring")
	require.Equal(t, gpio.Low, b.hw.Pins.Level("GPIO13"))

	// The broken output alone, as JSON: nothing to wait for.
	code, out, errOut = runCLI(t, "--socket", b.socket, "outputs", "test", "led-sent", "--json")
	require.Equal(t, exitFailed, code, errOut)
	var res api.OutputTestStep
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	require.Equal(t, api.OutputTestDone, res.Stage)
	require.Len(t, res.Results, 1)
	require.False(t, res.Results[0].OK)
	require.True(t, strings.HasSuffix(res.Results[0].Error, "pin claimed by another process"), res.Results[0].Error)
}
