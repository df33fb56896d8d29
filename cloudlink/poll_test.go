package cloudlink

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/cloudlink/brokertest"
	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway/store"
)

// countingStore counts the outbox queries the link makes.
type countingStore struct {
	*store.Store
	queries atomic.Int64
}

func (c *countingStore) Pending(ctx context.Context, limit int) ([]event.Event, error) {
	c.queries.Add(1)
	return c.Store.Pending(ctx, limit)
}

func (c *countingStore) OutboxDepth(ctx context.Context) (int, time.Time, error) {
	c.queries.Add(1)
	return c.Store.OutboxDepth(ctx)
}

// A caught-up link polls its outbox without querying it (a district of
// 10,000 idle homes made 20,000 queries a second before), and the poll
// still finds an event committed behind the pipeline's back.
func TestIdlePollMakesNoQueries(t *testing.T) {
	br := brokertest.Start(t, "mochi")
	st := &countingStore{Store: openStore(t)}
	col := newCollector(t, br.URL(), "center-poll")
	cfg := testConfig(br.URL())
	cfg.Poll = 10 * time.Millisecond
	wake := make(chan event.Event, 16)
	l := runLink(t, cfg, Deps{Store: st, Wake: wake})
	requireConnected(t, l, true)
	first := appendEvents(t, st.Store, wake, 3, event.AlarmRaised)
	requireUnique(t, col, l, 3)
	require.Eventually(t, func() bool { n, _, _ := st.Store.OutboxDepth(context.Background()); return n == 0 }, waitFor, tick, "PUBACKs recorded")

	before := st.queries.Load()
	time.Sleep(300 * time.Millisecond) // some 30 polls
	if n := st.queries.Load() - before; n > 0 {
		t.Fatalf("idle link made %d outbox queries in 30 polls, want 0", n)
	}

	// Committed without a wake-up: only the poll can find it.
	ev := &event.Event{Kind: event.StateChange, Severity: event.Info, Sensor: "door", Time: time.Now()}
	if err := st.Append(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	requireUnique(t, col, l, 4)
	checkDelivery(t, col.events(), append(first, *ev))
}
