// A Store batch's homes: each home's row read once and written back once,
// and the sightings and retained statuses that bring it online or take it
// offline.

package alarmdb

import (
	"database/sql"
	"errors"
	"fmt"
)

// homeRow is a home as this batch sees it, with its pending write.
type homeRow struct {
	online bool
	maxSeq int64
	dirty  bool
	// sighted: the home was heard from, last at lastSeen (the latest of
	// the batch's sightings); heartbeat is the last limit announced (0:
	// none).
	sighted   bool
	lastSeen  int64
	heartbeat int64
	status    string // "" unchanged
}

// home returns site's row, reading it (or adding the home, last seen at
// lastSeen) on first use in the batch.
func (b *batch) home(site string, lastSeen int64) (*homeRow, error) {
	if h := b.homes[site]; h != nil {
		return h, nil
	}
	h := &homeRow{}
	err := b.stmt(b.d.st.readHome).QueryRowContext(b.ctx, site).Scan(&h.online, &h.maxSeq)
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := b.stmt(b.d.st.addHome).ExecContext(b.ctx, site, lastSeen); err != nil {
			return nil, fmt.Errorf("alarmdb: add home %s: %w", site, err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("alarmdb: read home %s: %w", site, err)
	}
	b.homes[site] = h
	b.order = append(b.order, site)
	return h, nil
}

// flush writes site's pending changes.
func (b *batch) flush(site string) error {
	h := b.homes[site]
	if h == nil || !h.dirty {
		return nil
	}
	if _, err := b.stmt(b.d.st.writeHome).ExecContext(b.ctx, h.maxSeq, h.status, h.sighted, h.lastSeen, h.heartbeat, site); err != nil {
		return fmt.Errorf("alarmdb: update home %s: %w", site, err)
	}
	h.dirty, h.sighted, h.lastSeen, h.heartbeat, h.status = false, false, 0, 0, ""
	return nil
}

// sighting marks a home heard from: online, and back if it had an open
// outage, which it closes.
func (b *batch) sighting(s *Sighting) error {
	h, err := b.home(s.Site, 0)
	if err != nil {
		return err
	}
	if !h.online {
		r, err := b.stmt(b.d.st.endOutage).ExecContext(b.ctx, ms(s.At), s.Site)
		if err != nil {
			return fmt.Errorf("alarmdb: end outage of %s: %w", s.Site, err)
		}
		if n, _ := r.RowsAffected(); n > 0 {
			b.res.Back = append(b.res.Back, s.Site)
		}
		h.online = true
		b.res.Changed = true
	}
	h.dirty, h.sighted = true, true
	h.lastSeen = max(h.lastSeen, ms(s.At))
	if s.HeartbeatLimit > 0 {
		h.heartbeat = s.HeartbeatLimit.Milliseconds()
	}
	return b.reportedSeq(s.Site, h, s)
}

// status records a retained status: "online" is a sighting; anything else
// marks the home offline since it was last heard from, opening an outage
// (one per outage, however often the status is repeated).
func (b *batch) status(st *Status) error {
	if st.State == "online" {
		if err := b.sighting(&Sighting{Site: st.Site, At: st.At, HeartbeatLimit: st.HeartbeatLimit}); err != nil {
			return err
		}
		h := b.homes[st.Site]
		h.status, h.dirty = st.State, true
		return nil
	}
	h, err := b.home(st.Site, ms(st.At))
	if err != nil {
		return err
	}
	h.status, h.dirty = st.State, true
	if err := b.flush(st.Site); err != nil { // goOffline reads last_seen_ms
		return err
	}
	was, err := goOffline(b.ctx, b.tx, st.Site, "box reported "+st.State)
	if err != nil {
		return err
	}
	h.online = false
	b.res.Changed = b.res.Changed || was
	return nil
}
