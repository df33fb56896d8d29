// Sequence gaps: numbers a home used that the center has not received,
// opened and split as events arrive, and asked for again until replayed.

package alarmdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Gap is a run of sequence numbers a home has used but the center has not
// received: From..To inclusive.
type Gap struct {
	Site      string    `json:"site"`
	From      int64     `json:"from"`
	To        int64     `json:"to"`
	Found     time.Time `json:"found"`
	Requested time.Time `json:"requested"`
}

// DefaultSeqWindow is the largest forward jump of a home's sequence
// number the center takes as numbers used (SetSeqWindow changes it).
const DefaultSeqWindow = 1_000_000

// KindSeqJump is the maintenance item of a home whose sequence number
// jumped past the window.
const KindSeqJump = "seq_jump"

// SetSeqWindow sets the largest forward jump of a home's sequence number
// taken as numbers used (a gap to ask for). A jump past it is a fault of
// that home: one maintenance item, no gap, and the home's tracking stays
// where it was, so no replay of an absurd range is asked for and nothing
// loops over it. Call it before the DB is used; n <= 0 means the default.
func (d *DB) SetSeqWindow(n int64) {
	if n <= 0 {
		n = DefaultSeqWindow
	}
	d.seqWindow = n
}

func (d *DB) window() int64 {
	if d.seqWindow <= 0 {
		return DefaultSeqWindow
	}
	return d.seqWindow
}

// trackSeq advances the home's highest sequence number, opening a gap when
// numbers were skipped, or fills a gap when seq lies below it.
func (b *batch) trackSeq(site string, h *homeRow, seq, now int64, eventID string) error {
	if seq > h.maxSeq {
		return b.advanceSeq(site, h, seq, now, eventID, false)
	}
	// A late event: cut it out of the gap that holds it.
	var from, to, found, req int64
	err := b.stmt(b.d.st.findGap).QueryRowContext(b.ctx, site, seq, seq).Scan(&from, &to, &found, &req)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("alarmdb: find gap: %w", err)
	}
	if _, err := b.tx.ExecContext(b.ctx, `DELETE FROM gaps WHERE site = ? AND from_seq = ?`, site, from); err != nil {
		return fmt.Errorf("alarmdb: fill gap: %w", err)
	}
	for _, part := range [][2]int64{{from, seq - 1}, {seq + 1, to}} {
		if part[0] > part[1] {
			continue
		}
		if _, err := b.tx.ExecContext(b.ctx, `INSERT INTO gaps(site, from_seq, to_seq, found_ms, requested_ms) VALUES (?,?,?,?,?)`, site, part[0], part[1], found, req); err != nil {
			return fmt.Errorf("alarmdb: split gap: %w", err)
		}
	}
	b.gapsChanged(site)
	return nil
}

// advanceSeq takes seq, above the home's highest, as used: the numbers
// skipped are a gap. A jump past the window is a fault instead (see
// SetSeqWindow); a home's first number past it is taken as where the home
// is (a center with a new database meeting a box that ran for long), with
// no gap below it and the maintenance item all the same.
// lost says seq itself is missing too (a heartbeat's last_seq).
func (b *batch) advanceSeq(site string, h *homeRow, seq, now int64, eventID string, lost bool) error {
	if w := b.d.window(); seq-h.maxSeq > w { // both >= 0: no overflow
		if h.maxSeq == 0 {
			h.maxSeq, h.dirty = seq, true
		}
		return b.seqFault(site, h.maxSeq, seq, now, eventID, w)
	}
	to := seq - 1
	if lost {
		to = seq
	}
	if to > h.maxSeq {
		if _, err := b.tx.ExecContext(b.ctx, `INSERT INTO gaps(site, from_seq, to_seq, found_ms) VALUES (?,?,?,?)`, site, h.maxSeq+1, to, now); err != nil {
			return fmt.Errorf("alarmdb: record gap: %w", err)
		}
		b.gapsChanged(site)
	}
	h.maxSeq, h.dirty = seq, true
	return nil
}

// seqFault lists a home's sequence jump for the technicians: one open item
// per home, however many absurd numbers follow.
func (b *batch) seqFault(site string, last, seq, now int64, eventID string, window int64) error {
	msg := fmt.Sprintf("sequence number jumped from %d to %d, past the window of %d; check the box's store · 序号从 %d 跳到 %d，超出窗口 %d；请检查设备存储",
		last, seq, window, last, seq, window)
	if _, err := b.tx.ExecContext(b.ctx, `INSERT OR IGNORE INTO maintenance(site, sensor, kind, message, since_ms, event_id)
		SELECT ?1, '', ?2, ?3, ?4, ?5 WHERE NOT EXISTS (SELECT 1 FROM maintenance WHERE site = ?1 AND kind = ?2 AND cleared_ms = 0)`,
		site, KindSeqJump, msg, now, eventID); err != nil {
		return fmt.Errorf("alarmdb: add sequence fault of %s: %w", site, err)
	}
	return nil
}

// reportedSeq takes a heartbeat's last_seq: with the box's outbox empty,
// every number up to it has been accepted by the broker, so the ones the
// center lacks are a gap to ask for, even when nothing came after them.
func (b *batch) reportedSeq(site string, h *homeRow, s *Sighting) error {
	if s.LastSeq <= h.maxSeq || s.OutboxDepth > 0 {
		return nil
	}
	return b.advanceSeq(site, h, s.LastSeq, ms(s.At), "", true)
}

func (b *batch) gapsChanged(site string) {
	if b.gaps == nil {
		b.gaps = map[string]bool{}
	}
	b.gaps[site] = true
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func queryGaps(ctx context.Context, q querier, where string, args ...any) ([]Gap, error) {
	rows, err := q.QueryContext(ctx, `SELECT site, from_seq, to_seq, found_ms, requested_ms FROM gaps `+where+` ORDER BY site, from_seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("alarmdb: read gaps: %w", err)
	}
	defer rows.Close()
	var out []Gap
	for rows.Next() {
		var g Gap
		var found, req int64
		if err := rows.Scan(&g.Site, &g.From, &g.To, &found, &req); err != nil {
			return nil, fmt.Errorf("alarmdb: read gaps: %w", err)
		}
		g.Found, g.Requested = fromMS(found), fromMS(req)
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("alarmdb: read gaps: %w", err)
	}
	return out, nil
}

// Gaps returns the open gaps, of one home or (site "") of all.
func (d *DB) Gaps(ctx context.Context, site string) ([]Gap, error) {
	if site == "" {
		return queryGaps(ctx, d.db, "")
	}
	return queryGaps(ctx, d.db, "WHERE site = ?", site)
}

// GapsToRequest returns the open gaps never requested, or last requested
// before retryBefore, so a replay lost on the way is asked for again.
func (d *DB) GapsToRequest(ctx context.Context, retryBefore time.Time) ([]Gap, error) {
	return queryGaps(ctx, d.db, "WHERE requested_ms < ?", ms(retryBefore))
}

// MarkRequested records that a replay of g was asked for at t.
func (d *DB) MarkRequested(ctx context.Context, g Gap, t time.Time) error {
	if _, err := d.db.ExecContext(ctx, `UPDATE gaps SET requested_ms = ? WHERE site = ? AND from_seq <= ? AND to_seq >= ?`, ms(t), g.Site, g.To, g.From); err != nil {
		return fmt.Errorf("alarmdb: mark gap requested: %w", err)
	}
	return nil
}
