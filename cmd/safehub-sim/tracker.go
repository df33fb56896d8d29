package main

import (
	"fmt"
	"sync"
	"time"

	"github.com/safehub-iot/safehub/center/alarmdb"
)

// tracker pairs each button edge with the alarm stored at the center.
type tracker struct {
	mu      sync.Mutex
	edges   map[string][]time.Time // by site, oldest first
	presses map[string]int         // by site, all so far
	lat     latencies
	parts   breakdown
	dup     int
	arrived chan struct{}
}

// breakdown splits edge→console at the alarm's two timestamps (one clock:
// homes and center share the process): the box's event time, after the
// debounce and the rules; the center's receive time, in its MQTT callback.
type breakdown struct {
	edgeToEvent, eventToReceived, receivedToStored latencies
}

func (b breakdown) String() string {
	return fmt.Sprintf("edge→box event %s; box event→center receive %s; center receive→stored %s",
		b.edgeToEvent, b.eventToReceived, b.receivedToStored)
}

func newTracker() *tracker {
	return &tracker{edges: map[string][]time.Time{}, presses: map[string]int{}, arrived: make(chan struct{}, 1)}
}

func (t *tracker) pressed(site string, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.edges[site] = append(t.edges[site], at)
	t.presses[site]++
}

// stored is the center's OnAlarm hook: called once per alarm, after it is
// stored.
func (t *tracker) stored(a alarmdb.Alarm) {
	now := time.Now()
	t.mu.Lock()
	q := t.edges[a.Site]
	if len(q) == 0 {
		t.dup++ // an alarm nobody pressed for: must not happen
	} else {
		t.lat = append(t.lat, now.Sub(q[0]))
		t.parts.edgeToEvent = append(t.parts.edgeToEvent, a.Raised.Sub(q[0]))
		t.parts.eventToReceived = append(t.parts.eventToReceived, a.Received.Sub(a.Raised))
		t.parts.receivedToStored = append(t.parts.receivedToStored, now.Sub(a.Received))
		t.edges[a.Site] = q[1:]
	}
	t.mu.Unlock()
	select {
	case t.arrived <- struct{}{}:
	default:
	}
}

// take returns the latencies so far, and their breakdown, and starts a new
// series.
func (t *tracker) take() (latencies, breakdown) {
	t.mu.Lock()
	defer t.mu.Unlock()
	l, b := t.lat, t.parts
	t.lat, t.parts = nil, breakdown{}
	return l, b
}

func (t *tracker) pending() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, q := range t.edges {
		n += len(q)
	}
	return n
}

// bySite returns, by site, the presses whose alarm is not stored yet (for
// sites with any) and all presses.
func (t *tracker) bySite() (pending, presses map[string]int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	pending, presses = map[string]int{}, map[string]int{}
	for s, q := range t.edges {
		if len(q) > 0 {
			pending[s] = len(q)
		}
	}
	for s, n := range t.presses {
		presses[s] = n
	}
	return pending, presses
}

func (t *tracker) dups() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.dup
}
