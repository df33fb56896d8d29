package scenario

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"
)

type recordingHome struct {
	clock clockwork.Clock
	start time.Time
	log   []string
	fail  Action
}

func (h *recordingHome) Do(_ context.Context, op Op) error {
	if op.Step.Do == h.fail {
		return fmt.Errorf("no such device")
	}
	h.log = append(h.log, fmt.Sprintf("%v %s %d", h.clock.Since(h.start), op.Step.Do, op.Phase))
	return nil
}

func TestPlayDoesEachOpAtItsTime(t *testing.T) {
	sc, err := Parse(strings.NewReader(goodFile))
	require.NoError(t, err)
	clock := clockwork.NewFakeClock()
	h := &recordingHome{clock: clock, start: clock.Now()}
	tl := &FakeTimeline{Clock: clock, Pause: time.Nanosecond}
	require.NoError(t, Play(context.Background(), sc, h, tl, nil))
	require.Equal(t, []string{"1m0s fall 0", "1m20s press 0", "1m20.3s press 1", "3m0s network_cut 0", "4m0s gas 0", "5m0s network_cut 1"}, h.log)
	require.Equal(t, sc.Duration, clock.Since(h.start), "plays to the end")
}

func TestPlayStopsOnAFailedStep(t *testing.T) {
	sc, err := Parse(strings.NewReader(goodFile))
	require.NoError(t, err)
	clock := clockwork.NewFakeClock()
	h := &recordingHome{clock: clock, start: clock.Now(), fail: Gas}
	err = Play(context.Background(), sc, h, &FakeTimeline{Clock: clock, Pause: time.Nanosecond}, nil)
	require.ErrorContains(t, err, "line 10: gas at 4m0s: no such device")
}

func TestPlayStopsWhenCancelled(t *testing.T) {
	sc, err := Parse(strings.NewReader(goodFile))
	require.NoError(t, err)
	clock := clockwork.NewFakeClock()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = Play(ctx, sc, &recordingHome{clock: clock}, &FakeTimeline{Clock: clock}, nil)
	require.ErrorIs(t, err, context.Canceled)
}
