package api

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
)

// triggered are the reading quantities that show a sensor was set off by
// hand: a press, an opened door, smoke from a test spray, a fall.
var triggered = []string{gateway.QActive, gateway.QPress, gateway.QFall}

// walkTest runs one walk test: test mode on for its whole length (off
// again however it ends), each sensor ticked off the first time it is
// triggered, by an event about it or by a triggered reading.
func (s *Server) walkTest(w http.ResponseWriter, r *http.Request) {
	timeout, err := queryDuration(r, "timeout", 10*time.Minute, 2*time.Hour)
	if err != nil {
		s.fail(w, err)
		return
	}
	if !s.walking.TryLock() {
		s.fail(w, fmt.Errorf("walk test: %w: another walk test is running", ErrBusy))
		return
	}
	walk, clock := s.cfg.Backend.Walk, s.cfg.Clock
	events, stop := s.cfg.Backend.Events.Subscribe(256)
	defer stop()
	walk.SetTestMode(true)
	s.cfg.Log.Info("walk test started", "timeout", timeout)
	// end runs before the done line (and on any other way out): once a
	// client has read done, test mode is off and its next walk test is
	// not refused as busy.
	var once sync.Once
	end := func() {
		once.Do(func() {
			walk.SetTestMode(false)
			s.walking.Unlock()
			s.cfg.Log.Info("walk test ended")
		})
	}
	defer end()

	start := clock.Now()
	info := map[string]gateway.SensorHealth{}
	var ids []string
	prev := map[string]float64{} // sensor/quantity -> last value seen
	for _, h := range walk.Health() {
		info[h.ID] = h
		ids = append(ids, h.ID)
		for _, q := range triggered {
			prev[h.ID+"/"+q] = h.Last[q]
		}
	}
	slices.Sort(ids)
	send := lines(w)
	if send(WalkMessage{Type: WalkStart, Time: start, Sensors: ids}) != nil {
		return
	}
	passed := map[string]WalkResult{}
	pass := func(id string, at time.Time, how string) bool {
		h, known := info[id]
		if _, done := passed[id]; done || !known {
			return true
		}
		res := WalkResult{Sensor: id, Kind: h.Kind, Room: h.Room, Time: at, How: how}
		passed[id] = res
		return send(WalkMessage{Type: WalkPassed, Time: at, Sensor: id, How: how}) == nil
	}
	finish := func(reason string) {
		end()
		msg := WalkMessage{Type: WalkDone, Time: clock.Now(), Reason: reason}
		for _, id := range ids {
			if p, ok := passed[id]; ok {
				msg.Passed = append(msg.Passed, p)
			} else {
				msg.Missing = append(msg.Missing, id)
			}
		}
		send(msg)
	}
	deadline := clock.After(timeout)
	tick := clock.NewTicker(s.cfg.Poll)
	defer tick.Stop()
	for len(passed) < len(ids) {
		select {
		case <-r.Context().Done():
			return
		case <-deadline:
			finish("timeout")
			return
		case ev, ok := <-events:
			if !ok {
				finish("daemon stopping")
				return
			}
			if send(WalkMessage{Type: WalkEvent, Time: ev.Time, Event: &ev}) != nil {
				return
			}
			if ev.Kind == event.SensorFault || ev.Kind == event.SensorRestored || ev.Kind == event.InfoEvent {
				continue
			}
			if !pass(ev.Sensor, ev.Time, string(ev.Kind)+": "+ev.Message) {
				return
			}
		case <-tick.Chan():
			// A reading that went to 1 since the last look: a door left
			// open before the test does not count.
			for _, h := range walk.Health() {
				for _, q := range triggered {
					k := h.ID + "/" + q
					was := prev[k]
					prev[k] = h.Last[q]
					if h.Last[q] == 1 && was != 1 && !pass(h.ID, h.LastSeen, q+" reading") {
						return
					}
				}
			}
		}
	}
	finish("all sensors passed")
}
