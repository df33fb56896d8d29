package api_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/gateway/api"
)

// box is a small in-memory backend: the API is tested alone here; the
// daemon's implementation is exercised by cmd/safehubctl's tests.
type box struct {
	mu        sync.Mutex
	testMode  bool
	health    []gateway.SensorHealth
	subs      []chan event.Event
	delivered time.Time
	acked     time.Time
}

func (b *box) Status(context.Context) (api.Status, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return api.Status{Site: "t", TestMode: b.testMode, Sensors: b.health}, nil
}
func (b *box) Subscribe(int) (<-chan event.Event, func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	ch := make(chan event.Event, 16)
	b.subs = append(b.subs, ch)
	return ch, func() {}
}
func (b *box) publish(ev event.Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, ch := range b.subs {
		ch <- ev
	}
}
func (b *box) Events(context.Context, int64, int) ([]event.Event, error) { return nil, nil }
func (b *box) EventsSince(context.Context, time.Time, int) ([]event.Event, error) {
	return nil, nil
}
func (b *box) RaiseTestAlarm(context.Context) (event.Event, error) {
	return event.Event{ID: "a1", Time: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}, nil
}
func (b *box) AlarmProgress(context.Context, string) (time.Time, time.Time, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.delivered, b.acked, nil
}
func (b *box) SetTestMode(on bool) { b.mu.Lock(); b.testMode = on; b.mu.Unlock() }
func (b *box) TestMode() bool      { b.mu.Lock(); defer b.mu.Unlock(); return b.testMode }
func (b *box) Health() []gateway.SensorHealth {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]gateway.SensorHealth(nil), b.health...)
}
func (b *box) ValidateConfig(context.Context) (string, error) {
	return "cfg.yaml", errors.New("line 3: site.id: required")
}
func (b *box) ValidateRules(context.Context, []byte) (string, error) { return "", nil }
func (b *box) Reload(context.Context) (string, error)                { return "", nil }

func serve(tb testing.TB, b *box, clock clockwork.Clock) string {
	tb.Helper()
	return serveBackend(tb, api.Backend{Status: b, Events: b, Alarms: b, Walk: b, Reload: b}, clock)
}

// serveBackend serves the API on a fresh socket until the test ends and
// returns the socket's path.
func serveBackend(tb testing.TB, backend api.Backend, clock clockwork.Clock) string {
	tb.Helper()
	dir, err := os.MkdirTemp("", "api")
	require.NoError(tb, err)
	tb.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "api.sock")
	srv, err := api.New(api.Config{
		Socket: sock, Group: "no-such-group-here", Clock: clock, Poll: time.Second,
		Backend: backend,
		Log:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.NoError(tb, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	tb.Cleanup(func() {
		cancel()
		require.NoError(tb, <-done)
		require.NoFileExists(tb, sock, "socket removed on stop")
	})
	require.Eventually(tb, func() bool {
		_, err := api.NewClient(sock).Status(context.Background())
		return err == nil
	}, 5*time.Second, 5*time.Millisecond)
	return sock
}

func TestSocketModeAndStaleSocket(t *testing.T) {
	dir, err := os.MkdirTemp("", "api")
	require.NoError(t, err)
	defer os.RemoveAll(dir)
	tests := []struct {
		name    string
		prepare func(path string)
		wantErr string
	}{
		{name: "fresh", prepare: func(string) {}},
		{name: "stale socket left by a crash", prepare: func(path string) {
			ln, err := api.Listen(path, "", slog.Default())
			require.NoError(t, err)
			ln.(interface{ SetUnlinkOnClose(bool) }).SetUnlinkOnClose(false)
			ln.Close()
			require.FileExists(t, path)
		}},
		{name: "a regular file is not removed", prepare: func(path string) {
			require.NoError(t, os.WriteFile(path, []byte("keep"), 0o600))
		}, wantErr: "exists and is not a socket"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, string(rune('a'+i))+".sock")
			tt.prepare(path)
			ln, err := api.Listen(path, "no-such-group-here", slog.New(slog.NewTextHandler(io.Discard, nil)))
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				data, _ := os.ReadFile(path)
				require.Equal(t, "keep", string(data))
				return
			}
			require.NoError(t, err)
			defer ln.Close()
			fi, err := os.Stat(path)
			require.NoError(t, err)
			require.Equal(t, os.FileMode(0o660), fi.Mode().Perm())
		})
	}
}

func TestWalkTestEndsTestModeOnDisconnect(t *testing.T) {
	b := &box{health: []gateway.SensorHealth{{ID: "door", Kind: "door"}, {ID: "button", Kind: "call_button"}}}
	clock := clockwork.NewFakeClock()
	c := api.NewClient(serve(t, b, clock))
	ctx, cancel := context.WithCancel(context.Background())
	msgs := make(chan api.WalkMessage, 16)
	done := make(chan error, 1)
	go func() { done <- c.WalkTest(ctx, time.Hour, func(m api.WalkMessage) { msgs <- m }) }()
	start := <-msgs
	require.Equal(t, api.WalkStart, start.Type)
	require.Equal(t, []string{"button", "door"}, start.Sensors)
	require.True(t, b.TestMode())

	b.publish(event.Event{Kind: event.AlarmRaised, Sensor: "button", Message: "button pressed"})
	require.Equal(t, api.WalkEvent, (<-msgs).Type)
	passed := <-msgs
	require.Equal(t, api.WalkPassed, passed.Type)
	require.Equal(t, "button", passed.Sensor)

	// A second walk test meanwhile is refused.
	err := c.WalkTest(context.Background(), time.Minute, func(api.WalkMessage) {})
	require.ErrorIs(t, err, api.ErrBusy)

	cancel()
	<-done
	require.Eventually(t, func() bool { return !b.TestMode() }, 5*time.Second, 5*time.Millisecond)
}

// Once a client has read a walk test's done line, test mode is off and the
// next walk test starts at once (a technician testing two rooms in turn).
func TestWalkTestDoneFreesTheNextOne(t *testing.T) {
	b := &box{health: []gateway.SensorHealth{{ID: "button", Kind: "call_button"}}}
	clock := clockwork.NewFakeClock()
	c := api.NewClient(serve(t, b, clock))
	for round := range 3 {
		started := make(chan struct{})
		var last api.WalkMessage
		done := make(chan error, 1)
		go func() {
			done <- c.WalkTest(context.Background(), time.Hour, func(m api.WalkMessage) {
				if m.Type == api.WalkStart {
					close(started)
				}
				last = m
			})
		}()
		<-started
		b.publish(event.Event{Kind: event.AlarmRaised, Sensor: "button", Message: "button pressed"})
		require.NoError(t, <-done, "round %d", round)
		require.Equal(t, api.WalkDone, last.Type, "round %d", round)
		require.False(t, b.TestMode(), "round %d: test mode still on after done", round)
	}
}

func TestAlarmTestProgress(t *testing.T) {
	b := &box{}
	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	c := api.NewClient(serve(t, b, clock))
	steps := make(chan api.AlarmProgress, 8)
	done := make(chan error, 1)
	go func() {
		done <- c.TestAlarm(context.Background(), time.Minute, func(p api.AlarmProgress) { steps <- p })
	}()
	require.Equal(t, api.StageRaised, (<-steps).Stage)

	raised := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	b.mu.Lock()
	b.delivered = raised.Add(80 * time.Millisecond)
	b.mu.Unlock()
	require.NoError(t, clock.BlockUntilContext(context.Background(), 2)) // poll ticker and deadline
	clock.Advance(time.Second)
	p := <-steps
	require.Equal(t, api.StageDelivered, p.Stage)
	require.Equal(t, int64(80), p.AfterMS)

	b.mu.Lock()
	b.acked = raised.Add(1500 * time.Millisecond)
	b.mu.Unlock()
	clock.Advance(time.Second)
	p = <-steps
	require.Equal(t, api.StageAcknowledged, p.Stage)
	require.Equal(t, int64(1500), p.AfterMS)
	require.NoError(t, <-done)
}

func TestAlarmTestTimesOut(t *testing.T) {
	clock := clockwork.NewFakeClock()
	c := api.NewClient(serve(t, &box{}, clock))
	steps := make(chan api.AlarmProgress, 8)
	done := make(chan error, 1)
	go func() {
		done <- c.TestAlarm(context.Background(), 5*time.Second, func(p api.AlarmProgress) { steps <- p })
	}()
	require.Equal(t, api.StageRaised, (<-steps).Stage)
	require.NoError(t, clock.BlockUntilContext(context.Background(), 2))
	clock.Advance(6 * time.Second)
	require.NoError(t, <-done)
	var last api.AlarmProgress
	for len(steps) > 0 {
		last = <-steps
	}
	require.Equal(t, api.StageTimeout, last.Stage)
}

func TestErrorsKeepTheirKind(t *testing.T) {
	b := &box{}
	c := api.NewClient(serve(t, b, clockwork.NewFakeClock()))
	_, err := c.ValidateConfig(context.Background())
	require.ErrorContains(t, err, "site.id: required")
	_, err = c.Pair(context.Background(), api.PairRequest{Name: "p", Kind: "pendant", Timeout: time.Second})
	require.ErrorIs(t, err, api.ErrNotAvailable)
	_, err = api.NewClient("/nonexistent/x.sock").Status(context.Background())
	require.ErrorIs(t, err, api.ErrNotRunning)
	require.ErrorContains(t, err, "safehubd is not running (socket /nonexistent/x.sock")
}
