package gpio

import "time"

// debouncer decides when a digital input has really changed: a level must
// be read unchanged for the whole debounce time before it counts. It is a
// pure state machine; the driver feeds it reads and asks when to look again.
type debouncer struct {
	hold      time.Duration
	stable    bool // the level last reported
	known     bool // stable has been set
	candidate bool
	since     time.Time // when candidate was first read
	pending   bool      // candidate differs from stable
}

// observe takes a read at now. It returns the new stable level and true when
// the input has settled on a level different from the one last reported
// (the very first settled level is reported too).
func (d *debouncer) observe(now time.Time, level bool) (bool, bool) {
	if d.known && level == d.stable {
		d.pending = false
		return false, false
	}
	if !d.pending || level != d.candidate {
		d.candidate, d.since, d.pending = level, now, true
	}
	if now.Sub(d.since) >= d.hold {
		d.stable, d.known, d.pending = d.candidate, true, false
		return d.stable, true
	}
	return false, false
}

// deadline is when the pending candidate will have been held long enough;
// ok is false when nothing is pending.
func (d *debouncer) deadline() (time.Time, bool) {
	if !d.pending {
		return time.Time{}, false
	}
	return d.since.Add(d.hold), true
}
