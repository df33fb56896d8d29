// The engine's time: its timers run on a monotonic timeline, so a wall
// clock stepped by NTP (a Pi without a real-time clock, after a power cut)
// neither fires them early nor holds them back; daily windows, messages and
// saved state speak wall time and are converted at the edge.

package rules

import "time"

// jumpSlack is how far the wall clock may drift from the monotonic one
// before the engine takes it as stepped and recomputes its windows.
const jumpSlack = time.Second

// clock maps the wall times the engine is given onto its timeline: the
// first wall time plus the monotonic time elapsed since. Every time the
// units keep is on that timeline.
type clock struct {
	mono    func() time.Duration // nil: the monotonic reading of the times given
	set     bool
	origin  time.Time     // the first time given, as given
	base    time.Time     // origin's wall time, where the timeline starts
	originM time.Duration // mono() at origin
	last    time.Time     // the last time given, as given
	lastEng time.Time     // last on the timeline
	offset  time.Duration // wall minus timeline, as of the last call
}

// at returns now on the timeline and whether the wall clock was stepped
// since the last call.
func (c *clock) at(now time.Time) (time.Time, bool) {
	if !c.set {
		c.set, c.origin, c.base = true, now, now.Round(0)
		if c.mono != nil {
			c.originM = c.mono()
		}
	}
	var el time.Duration
	if c.mono != nil {
		el = c.mono() - c.originM
	} else {
		el = now.Sub(c.origin) // monotonic when both carry a reading
	}
	t := c.base.Add(el)
	if t.Before(c.lastEng) {
		t = c.lastEng
	}
	off := now.Round(0).Sub(t)
	d := off - c.offset
	c.offset, c.last, c.lastEng = off, now, t
	return t, d > jumpSlack || d < -jumpSlack
}

// wall converts a timeline time to wall time by the latest offset.
func (c *clock) wall(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.Add(c.offset)
}

// fromWall converts a wall time (a window's edge, a saved timer) to the
// timeline.
func (c *clock) fromWall(w time.Time) time.Time {
	if w.IsZero() {
		return w
	}
	return w.Round(0).Add(-c.offset)
}

// toCaller converts a timeline deadline into the caller's terms: relative
// to the last time given, so that with times from time.Now the pipeline's
// t.Sub(now) is monotonic too.
func (c *clock) toCaller(t time.Time) time.Time {
	return c.last.Add(t.Sub(c.lastEng))
}
