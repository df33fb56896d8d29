package api_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/gateway/api"
)

// outputs is an in-memory OutputTester: each output's level is what the
// rules asked (want) or a test's hold, as in the daemon.
type outputs struct {
	mu       sync.Mutex
	list     []api.OutputStatus
	want     map[string]bool
	held     map[string]bool
	failHold map[string]error
	calls    []string // "hold siren", "release siren", in order
}

// newOutputs is a box with a siren, an alarm-sent LED whose pin could not
// be opened, and a help-coming LED lit by an acknowledgement.
func newOutputs() *outputs {
	return &outputs{
		list: []api.OutputStatus{
			{ID: "siren", Kind: "siren", OK: true},
			{ID: "led-sent", Kind: "led_alarm_sent", Error: "open GPIO6: device or resource busy"},
			{ID: "led-help", Kind: "led_help_coming", OK: true, On: true},
		},
		want:     map[string]bool{"led-help": true},
		held:     map[string]bool{},
		failHold: map[string]error{},
	}
}

func (o *outputs) Outputs() []api.OutputStatus {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]api.OutputStatus(nil), o.list...)
}

func (o *outputs) HoldOutput(id string) (bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls = append(o.calls, "hold "+id)
	o.held[id] = true
	if err := o.failHold[id]; err != nil {
		return o.want[id], fmt.Errorf("switch %s on: %w", id, err)
	}
	return o.want[id], nil
}

func (o *outputs) ReleaseOutput(id string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls = append(o.calls, "release "+id)
	o.held[id] = false
	return nil
}

// on is the output's level.
func (o *outputs) on(id string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.want[id] || o.held[id]
}

func (o *outputs) called() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.calls...)
}

func serveOutputs(tb testing.TB, o *outputs, clock clockwork.Clock) *api.Client {
	tb.Helper()
	b := &box{}
	return api.NewClient(serveBackend(tb, api.Backend{Status: b, Events: b, Alarms: b, Walk: b, Reload: b, Outputs: o}, clock))
}

// testOutputs runs an output test in the background; its steps arrive on
// the returned channel.
func testOutputs(ctx context.Context, c *api.Client, ids []string, d time.Duration) (<-chan api.OutputTestStep, <-chan error) {
	steps := make(chan api.OutputTestStep, 16)
	done := make(chan error, 1)
	go func() { done <- c.TestOutputs(ctx, ids, d, func(s api.OutputTestStep) { steps <- s }) }()
	return steps, done
}

func TestOutputsList(t *testing.T) {
	c := serveOutputs(t, newOutputs(), clockwork.NewFakeClock())
	got, err := c.Outputs(context.Background())
	require.NoError(t, err)
	require.Equal(t, newOutputs().list, got)

	// A daemon without outputs support says so.
	_, err = api.NewClient(serve(t, &box{}, clockwork.NewFakeClock())).Outputs(context.Background())
	require.ErrorIs(t, err, api.ErrNotAvailable)
}

// Every output in turn, for the default 2 s on the daemon's clock: the
// broken one is reported failed with its error, the lit one stays lit.
func TestOutputTestSwitchesEachInTurn(t *testing.T) {
	o := newOutputs()
	clock := clockwork.NewFakeClock()
	steps, done := testOutputs(context.Background(), serveOutputs(t, o, clock), nil, 0)

	start := <-steps
	require.Equal(t, api.OutputTestStart, start.Stage)
	require.Equal(t, int64(2000), start.ForMS)
	require.Len(t, start.Outputs, 3)

	on := <-steps
	require.Equal(t, api.OutputTestStep{Stage: api.OutputTestOn, Time: on.Time, Output: "siren", Kind: "siren", ForMS: 2000}, on)
	require.True(t, o.on("siren"), "the siren sounds during its test")
	clock.Advance(1999 * time.Millisecond)
	require.Never(t, func() bool { return len(steps) > 0 }, 50*time.Millisecond, 5*time.Millisecond, "on for the whole 2 s")
	require.True(t, o.on("siren"))
	clock.Advance(time.Millisecond)
	off := <-steps
	require.Equal(t, api.OutputTestOff, off.Stage)
	require.Equal(t, "siren", off.Output)
	require.False(t, o.on("siren"), "the siren is off once its off step is sent")

	failed := <-steps
	require.Equal(t, api.OutputTestFailed, failed.Stage)
	require.Equal(t, "led-sent", failed.Output)
	require.Equal(t, "not opened at start: open GPIO6: device or resource busy", failed.Error)

	on = <-steps
	require.Equal(t, api.OutputTestOn, on.Stage)
	require.Equal(t, "led-help", on.Output)
	require.True(t, on.WasOn)
	clock.Advance(2 * time.Second)
	off = <-steps
	require.Equal(t, api.OutputTestOff, off.Stage)
	require.True(t, off.WasOn)
	require.True(t, o.on("led-help"), "the help LED lit before the test is still lit after it")

	last := <-steps
	require.Equal(t, api.OutputTestDone, last.Stage)
	require.Equal(t, []api.OutputResult{
		{Output: "siren", Kind: "siren", OK: true},
		{Output: "led-sent", Kind: "led_alarm_sent", Error: "not opened at start: open GPIO6: device or resource busy"},
		{Output: "led-help", Kind: "led_help_coming", OK: true, WasOn: true},
	}, last.Results)
	require.NoError(t, <-done)
	require.Equal(t, []string{"hold siren", "release siren", "hold led-help", "release led-help"}, o.called(),
		"one output at a time; the broken one is not touched")
}

func TestOutputTestChosenOutputsInGivenOrder(t *testing.T) {
	o := newOutputs()
	clock := clockwork.NewFakeClock()
	c := serveOutputs(t, o, clock)
	steps, done := testOutputs(context.Background(), c, []string{"led-help", "siren", "led-help"}, 500*time.Millisecond)
	start := <-steps
	require.Equal(t, int64(500), start.ForMS)
	var ids []string
	for _, s := range start.Outputs {
		ids = append(ids, s.ID)
	}
	require.Equal(t, []string{"led-help", "siren"}, ids, "in the order given, each once")
	for range 2 {
		require.Equal(t, api.OutputTestOn, (<-steps).Stage)
		clock.Advance(500 * time.Millisecond)
		require.Equal(t, api.OutputTestOff, (<-steps).Stage)
	}
	require.Equal(t, api.OutputTestDone, (<-steps).Stage)
	require.NoError(t, <-done)

	// Once a test has reported done, the next one is not refused as busy.
	err := c.TestOutputs(context.Background(), []string{"led-sent"}, 0, func(api.OutputTestStep) {})
	require.NoError(t, err)
}

// A technician's Ctrl-C in the middle: the siren goes off at once, and
// meanwhile a second test is refused.
func TestOutputTestCancelledPutsOutputBack(t *testing.T) {
	o := newOutputs()
	c := serveOutputs(t, o, clockwork.NewFakeClock())
	ctx, cancel := context.WithCancel(context.Background())
	steps, done := testOutputs(ctx, c, []string{"siren"}, 10*time.Second)
	require.Equal(t, api.OutputTestStart, (<-steps).Stage)
	require.Equal(t, api.OutputTestOn, (<-steps).Stage)
	require.True(t, o.on("siren"))

	err := c.TestOutputs(context.Background(), []string{"led-help"}, 0, func(api.OutputTestStep) {})
	require.ErrorIs(t, err, api.ErrBusy)
	require.ErrorContains(t, err, "another output test is running")

	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	require.Eventually(t, func() bool { return !o.on("siren") }, 5*time.Second, 5*time.Millisecond, "siren left on after a cancelled test")
	require.Equal(t, []string{"hold siren", "release siren"}, o.called())
}

func TestOutputTestSwitchFailsIsReportedAndPutBack(t *testing.T) {
	o := newOutputs()
	o.failHold["siren"] = errors.New("drive GPIO5: input/output error")
	steps, done := testOutputs(context.Background(), serveOutputs(t, o, clockwork.NewFakeClock()), []string{"siren"}, 0)
	require.Equal(t, api.OutputTestStart, (<-steps).Stage)
	failed := <-steps
	require.Equal(t, api.OutputTestFailed, failed.Stage)
	require.Equal(t, "switch siren on: drive GPIO5: input/output error", failed.Error)
	last := <-steps
	require.Equal(t, api.OutputTestDone, last.Stage)
	require.False(t, last.Results[0].OK)
	require.NoError(t, <-done)
	require.Equal(t, []string{"hold siren", "release siren"}, o.called(), "put back even though switching on failed")
}

func TestOutputTestBadRequests(t *testing.T) {
	o := newOutputs()
	c := serveOutputs(t, o, clockwork.NewFakeClock())
	tests := []struct {
		name    string
		ids     []string
		d       time.Duration
		wantErr error
		want    string
	}{
		{name: "too long", d: time.Minute, wantErr: api.ErrBadRequest,
			want: `for="1m0s": expected a duration from 200ms to 10s, such as 2s`},
		{name: "too short", d: 100 * time.Millisecond, wantErr: api.ErrBadRequest,
			want: `for="100ms": expected a duration from 200ms to 10s, such as 2s`},
		{name: "negative", d: -time.Second, wantErr: api.ErrBadRequest, want: `for="-1s"`},
		{name: "unknown id", ids: []string{"siren", "sirne"}, wantErr: api.ErrBadRequest,
			want: `unknown output "sirne": this box's outputs are siren, led-sent, led-help`},
		{name: "a kind for an id", ids: []string{"led_help_coming"}, wantErr: api.ErrBadRequest,
			want: `unknown output "led_help_coming": this box's outputs are siren, led-sent, led-help ("led_help_coming" is an output kind; the id to give is led-help)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.TestOutputs(context.Background(), tt.ids, tt.d, func(s api.OutputTestStep) {
				t.Errorf("step %+v: a bad request switches nothing", s)
			})
			require.ErrorIs(t, err, tt.wantErr)
			require.ErrorContains(t, err, tt.want)
		})
	}
	require.Empty(t, o.called())

	t.Run("no outputs configured", func(t *testing.T) {
		c := serveOutputs(t, &outputs{}, clockwork.NewFakeClock())
		err := c.TestOutputs(context.Background(), nil, 0, func(api.OutputTestStep) {})
		require.ErrorIs(t, err, api.ErrNotAvailable)
		require.ErrorContains(t, err, "this box has no outputs")
	})
}
