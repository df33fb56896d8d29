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

// trackSeq advances the home's highest sequence number, opening a gap when
// numbers were skipped, or fills a gap when seq lies below it.
func (b *batch) trackSeq(site string, h *homeRow, seq, now int64) error {
	if seq > h.maxSeq {
		if seq > h.maxSeq+1 {
			if _, err := b.tx.ExecContext(b.ctx, `INSERT INTO gaps(site, from_seq, to_seq, found_ms) VALUES (?,?,?,?)`, site, h.maxSeq+1, seq-1, now); err != nil {
				return fmt.Errorf("alarmdb: record gap: %w", err)
			}
			b.gapsChanged(site)
		}
		h.maxSeq, h.dirty = seq, true
		return nil
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
