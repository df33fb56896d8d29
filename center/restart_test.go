package center

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/center/alarmdb"
	"github.com/safehub-iot/safehub/cloudlink/brokertest"
)

// districtInflight is configs/center/mosquitto.conf's max_inflight_messages:
// the window a center that drops messages unacknowledged fills, after which
// the broker sends it nothing more.
const districtInflight = "max_inflight_messages 100"

// instance is one console instance on an external broker, counting the
// alarms it stores for the first time.
type instance struct {
	c      *Center
	stored atomic.Int64
	stop   func()
}

// startConsole starts a console instance with its own client id and share
// group ("" for the default) on the database at dbPath. stop closes it,
// once; it is also called in tb.Cleanup.
func startConsole(tb testing.TB, url, dbPath, clientID, group string, stored *atomic.Int64) *instance {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cs := &instance{}
	if stored == nil {
		stored = &cs.stored
	}
	c, err := Start(ctx, Config{DBPath: dbPath, HTTPAddr: "127.0.0.1:0", BrokerURL: url, ClientID: clientID, ShareGroup: group,
		Log: testLog(), OnAlarm: func(alarmdb.Alarm) { stored.Add(1) }})
	require.NoError(tb, err)
	cs.c = c
	var once sync.Once
	cs.stop = func() { once.Do(func() { c.Close(context.Background()) }) }
	tb.Cleanup(cs.stop)
	return cs
}

// crash stops a console as a crash would, for the broker: its session
// and its subscriptions stay, nothing is unsubscribed. (paho's Disconnect
// returns before its connection is marked closed: wait, so that Close
// does not take the clean stop's leave.)
func (cs *instance) crash(tb testing.TB) {
	tb.Helper()
	cs.c.mq.Disconnect(0)
	require.Eventually(tb, func() bool { return !cs.c.mq.IsConnectionOpen() }, 5*time.Second, time.Millisecond, "disconnected")
	cs.stop()
}

func alarmCount(tb testing.TB, c *Center) int {
	tb.Helper()
	as, err := c.Alarms(context.Background(), alarmdb.Filter{Site: "rose-12"})
	require.NoError(tb, err)
	return len(as)
}

// TestRestartedCenterStoresQueuedAlarms is issue 16's blind center: the
// broker queues a home's alarms for the center's persistent session while
// it is away and sends them right after the CONNACK of its return, before
// it has resubscribed. Every queued alarm and every new one is stored,
// once, on the district broker's in-flight window.
func TestRestartedCenterStoresQueuedAlarms(t *testing.T) {
	cases := []struct {
		name, group string
		stop        func(testing.TB, *instance)
	}{
		// A crashed console is still in its share group, so the broker
		// queues the group's messages for it.
		{name: "shared group, console crashed", stop: func(tb testing.TB, cs *instance) { cs.crash(tb) }},
		// Without a group a clean stop keeps the subscriptions too.
		{name: "plain subscriptions, console stopped", group: "-", stop: func(_ testing.TB, cs *instance) { cs.stop() }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mq := brokertest.StartMosquitto(t, brokertest.WithConfig(districtInflight))
			dbPath := filepath.Join(t.TempDir(), "center.db")
			var stored atomic.Int64
			tc.stop(t, startConsole(t, mq.URL(), dbPath, "console-1", tc.group, &stored))

			h := newHome(t, mq.URL(), "rose-12")
			const queued, fresh = 150, 10
			now := time.Now()
			for s := int64(1); s <= queued; s++ {
				h.publish(t, alarm(h.site, s, now))
			}
			start := time.Now()
			c := startConsole(t, mq.URL(), dbPath, "console-1", tc.group, &stored).c
			require.Eventually(t, func() bool { return alarmCount(t, c) == queued }, 10*time.Second, 10*time.Millisecond,
				"queued alarms not stored: %d of %d", alarmCount(t, c), queued)
			t.Logf("%d queued alarms stored %v after the center restarted", queued, time.Since(start).Round(time.Millisecond))
			for s := int64(queued + 1); s <= queued+fresh; s++ {
				h.publish(t, alarm(h.site, s, now))
			}
			// OnAlarm runs just after the commit: wait for it too.
			require.Eventually(t, func() bool { return alarmCount(t, c) == queued+fresh && stored.Load() == queued+fresh }, 10*time.Second, 10*time.Millisecond,
				"new alarms after the restart not stored: %d of %d (%d stored for the first time)", alarmCount(t, c), queued+fresh, stored.Load())
		})
	}
}

// TestStoppedConsoleLeavesShareGroup: two console instances share the
// group. One stops cleanly: it leaves the group first, so the broker hands
// every alarm to the other, none is held for the stopped one. One crashes:
// it stays in the group and the broker keeps its round-robin share for
// it; nothing is lost, that share is stored when it returns.
func TestStoppedConsoleLeavesShareGroup(t *testing.T) {
	const n = 20
	t.Run("clean stop", func(t *testing.T) {
		mq := brokertest.StartMosquitto(t, brokertest.WithConfig(districtInflight))
		a := startConsole(t, mq.URL(), filepath.Join(t.TempDir(), "a.db"), "console-1", "", nil)
		b := startConsole(t, mq.URL(), filepath.Join(t.TempDir(), "b.db"), "console-2", "", nil)
		b.stop()
		h := newHome(t, mq.URL(), "rose-12")
		now := time.Now()
		for s := int64(1); s <= n; s++ {
			h.publish(t, alarm(h.site, s, now))
		}
		require.Eventually(t, func() bool { return alarmCount(t, a.c) == n && a.stored.Load() == n }, 5*time.Second, 10*time.Millisecond,
			"the remaining console stored %d of %d alarms", alarmCount(t, a.c), n)
		require.Zero(t, b.stored.Load())
	})
	t.Run("crash", func(t *testing.T) {
		mq := brokertest.StartMosquitto(t, brokertest.WithConfig(districtInflight))
		a := startConsole(t, mq.URL(), filepath.Join(t.TempDir(), "a.db"), "console-1", "", nil)
		bPath := filepath.Join(t.TempDir(), "b.db")
		startConsole(t, mq.URL(), bPath, "console-2", "", nil).crash(t)
		h := newHome(t, mq.URL(), "rose-12")
		now := time.Now()
		for s := int64(1); s <= n; s++ {
			h.publish(t, alarm(h.site, s, now))
		}
		time.Sleep(300 * time.Millisecond)
		held := n - alarmCount(t, a.c)
		b := startConsole(t, mq.URL(), bPath, "console-2", "", nil)
		// Each alarm is stored by one console only.
		require.Eventually(t, func() bool {
			return alarmCount(t, a.c)+alarmCount(t, b.c) == n && a.stored.Load()+b.stored.Load() == n
		}, 5*time.Second, 10*time.Millisecond, "stored %d + %d of %d alarms", alarmCount(t, a.c), alarmCount(t, b.c), n)
		t.Logf("with console-2 crashed, the broker held %d of %d alarms for it; stored when it returned", held, n)
	})
}
