package alarmdb

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Home is one home's supervision state at the center.
type Home struct {
	Site   string `json:"site"`
	Online bool   `json:"online"`
	// Status is the last retained status the box published ("online",
	// "offline" from its last will, ...).
	Status   string    `json:"status"`
	LastSeen time.Time `json:"last_seen,omitzero"`
	// SilentSince is when an offline home was last heard from.
	SilentSince time.Time `json:"silent_since,omitzero"`
	// HeartbeatLimit is how long the home may stay silent before it is
	// shown offline.
	HeartbeatLimit time.Duration `json:"heartbeat_limit_ns"`
	MaxSeq         int64         `json:"max_seq"`
	OpenGaps       int           `json:"open_gaps"`
	TestMode       bool          `json:"test_mode"`
}

// Sighting is a message heard from a home: any event, heartbeat or status.
type Sighting struct {
	Site string
	At   time.Time
	// HeartbeatLimit, if not zero, replaces the home's limit.
	HeartbeatLimit time.Duration
	// LastSeq and OutboxDepth are a heartbeat's last_seq and
	// outbox_depth (0 for other sightings): numbers up to LastSeq the
	// center lacks while the outbox is empty are a gap.
	LastSeq     int64
	OutboxDepth int
}

// Outage is one period a home's link was down: one incident, however many
// sensors are behind it.
type Outage struct {
	ID      int64     `json:"id"`
	Site    string    `json:"site"`
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended,omitzero"`
	Reason  string    `json:"reason"`
}

// Seen records sightings in one transaction. A home heard from is online;
// one that was offline comes back, closing its open outage. It returns the
// sites that came back.
func (d *DB) Seen(ctx context.Context, ss []Sighting) (back []string, err error) {
	msgs := make([]Message, len(ss))
	for i := range ss {
		msgs[i].Sighting = &ss[i]
	}
	res, err := d.Store(ctx, msgs)
	return res.Back, err
}

// SetStatus records a home's retained status. A status other than
// "online" marks the home offline since it was last heard from, opening an
// outage (one per outage, however often it is repeated). It reports whether
// the home's online state changed.
func (d *DB) SetStatus(ctx context.Context, site, status string, at time.Time, heartbeatLimit time.Duration) (changed bool, err error) {
	res, err := d.Store(ctx, []Message{{Status: &Status{Site: site, State: status, At: at, HeartbeatLimit: heartbeatLimit}}})
	return res.Changed, err
}

// goOffline marks one home offline since it was last heard from and opens
// its outage, unless one is open already.
func goOffline(ctx context.Context, tx *sql.Tx, site, reason string) (bool, error) {
	var online bool
	var last int64
	if err := tx.QueryRowContext(ctx, `SELECT online, last_seen_ms FROM homes WHERE site = ?`, site).Scan(&online, &last); err != nil {
		return false, fmt.Errorf("alarmdb: read home %s: %w", site, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE homes SET online = 0, silent_since_ms = ? WHERE site = ? AND online = 1`, last, site); err != nil {
		return false, fmt.Errorf("alarmdb: mark %s offline: %w", site, err)
	}
	var open int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM outages WHERE site = ? AND ended_ms = 0`, site).Scan(&open); err != nil {
		return false, fmt.Errorf("alarmdb: read outages of %s: %w", site, err)
	}
	if open == 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO outages(site, started_ms, reason) VALUES (?,?,?)`, site, last, reason); err != nil {
			return false, fmt.Errorf("alarmdb: open outage of %s: %w", site, err)
		}
	}
	return online, nil
}

// Silence marks offline every online home silent for longer than its
// heartbeat limit (defaultLimit where it has none) at now, and returns them.
// Silence is counted from listenSince at the earliest (when the center
// started listening): a center that was down itself has not heard homes
// that were talking all along.
func (d *DB) Silence(ctx context.Context, now, listenSince time.Time, defaultLimit time.Duration) ([]string, error) {
	var sites []string
	err := d.tx(ctx, "silence", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT site FROM homes WHERE online = 1 AND MAX(last_seen_ms, ?) + (CASE WHEN heartbeat_ms > 0 THEN heartbeat_ms ELSE ? END) < ? ORDER BY site`,
			ms(listenSince), defaultLimit.Milliseconds(), ms(now))
		if err != nil {
			return fmt.Errorf("alarmdb: find silent homes: %w", err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return fmt.Errorf("alarmdb: find silent homes: %w", err)
			}
			sites = append(sites, s)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("alarmdb: find silent homes: %w", err)
		}
		for _, s := range sites {
			if _, err := goOffline(ctx, tx, s, "silent past heartbeat limit"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sites, nil
}

// Homes returns every known home, offline ones first, then by site.
func (d *DB) Homes(ctx context.Context) ([]Home, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT site, online, status, last_seen_ms, silent_since_ms, heartbeat_ms, max_seq, test_mode,
		(SELECT COUNT(*) FROM gaps WHERE gaps.site = homes.site) FROM homes ORDER BY online, site`)
	if err != nil {
		return nil, fmt.Errorf("alarmdb: list homes: %w", err)
	}
	defer rows.Close()
	var out []Home
	for rows.Next() {
		var h Home
		var last, silent, hb int64
		if err := rows.Scan(&h.Site, &h.Online, &h.Status, &last, &silent, &hb, &h.MaxSeq, &h.TestMode, &h.OpenGaps); err != nil {
			return nil, fmt.Errorf("alarmdb: list homes: %w", err)
		}
		h.LastSeen, h.SilentSince, h.HeartbeatLimit = fromMS(last), fromMS(silent), time.Duration(hb)*time.Millisecond
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("alarmdb: list homes: %w", err)
	}
	return out, nil
}

// Outages returns a home's outages (all homes for site ""), newest first.
func (d *DB) Outages(ctx context.Context, site string) ([]Outage, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id, site, started_ms, ended_ms, reason FROM outages WHERE ? = '' OR site = ? ORDER BY started_ms DESC, id DESC`, site, site)
	if err != nil {
		return nil, fmt.Errorf("alarmdb: list outages: %w", err)
	}
	defer rows.Close()
	var out []Outage
	for rows.Next() {
		var o Outage
		var start, end int64
		if err := rows.Scan(&o.ID, &o.Site, &start, &end, &o.Reason); err != nil {
			return nil, fmt.Errorf("alarmdb: list outages: %w", err)
		}
		o.Started, o.Ended = fromMS(start), fromMS(end)
		out = append(out, o)
	}
	return out, rows.Err()
}
