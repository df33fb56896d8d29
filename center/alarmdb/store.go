// Store: one transaction per batch of received messages (events, sightings,
// statuses), applied in order, and the fsync it may leave for Sync.

package alarmdb

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Message is one message received from a home, as Store records it: an
// event (with the sighting its arrival is), a heartbeat's or reply's
// sighting, or a retained status. Any of the three may be set.
type Message struct {
	Event    *Incoming
	Sighting *Sighting
	Status   *Status
}

// Status is a home's retained status message: "online" when it connects,
// or what its last will says ("offline") when it is gone.
type Status struct {
	Site  string
	State string
	// At is when the center received it (center clock).
	At time.Time
	// HeartbeatLimit, if not zero, replaces the home's limit.
	HeartbeatLimit time.Duration
}

// Store records a batch of received messages in one transaction, so one
// commit (one fsync) serves every sighting, status and event in it. Within
// the batch, messages take effect in order: a home heard from after its
// last will is online again, one whose last will came last is offline.
//
// Events are stored exactly once, as Ingest describes; sightings are
// recorded as Seen, statuses as SetStatus describe. Nothing is stored if
// an error is returned.
func (d *DB) Store(ctx context.Context, msgs []Message) (IngestResult, error) {
	return d.store(ctx, msgs, d.tx)
}

// StoreUnsynced is Store committed without its own fsync: when it returns
// the batch is committed and every reader (the console) sees it, but a
// power cut before the next Sync, or before any other write of this DB
// (all of which are fsynced), may take it back. The center shows an alarm
// at once and acknowledges its message to the broker only after Sync, so
// the operator sees the alarm one fsync sooner and nothing acknowledged
// is ever lost: an unacknowledged message is delivered again, and a box
// keeps resending an alarm until an operator's acknowledgement (an
// fsynced write, which makes the alarm durable with it) reaches the box.
func (d *DB) StoreUnsynced(ctx context.Context, msgs []Message) (IngestResult, error) {
	return d.store(ctx, msgs, d.lazyTx)
}

// Sync makes every batch committed before it durable: one small fsynced
// write. In WAL mode an fsync of the log covers every frame before it.
func (d *DB) Sync(ctx context.Context) error {
	return d.tx(ctx, "sync", func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE counters SET n = n + 1 WHERE name = 'syncs'`)
		if err != nil {
			return fmt.Errorf("alarmdb: sync: %w", err)
		}
		// No row changed would be no write, hence no fsync: never
		// report that as durable.
		if n, err := r.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("alarmdb: sync: the counters table has no 'syncs' row (changed %d rows, %v)", n, err)
		}
		return nil
	})
}

func (d *DB) store(ctx context.Context, msgs []Message, txFn func(context.Context, string, func(*sql.Tx) error) error) (IngestResult, error) {
	if len(msgs) == 0 {
		return IngestResult{}, nil
	}
	b := &batch{ctx: ctx, d: d, homes: map[string]*homeRow{}}
	err := txFn(ctx, "store", func(tx *sql.Tx) error {
		b.tx = tx
		defer b.closeStmts()
		for i := range msgs {
			if err := b.apply(i, &msgs[i]); err != nil {
				return err
			}
		}
		return b.finish()
	})
	if err != nil {
		return IngestResult{}, err
	}
	return b.res, nil
}

// batch is one Store transaction: it reads each home's row once and writes
// it back once at the end (or before a status needs it current).
type batch struct {
	ctx   context.Context
	d     *DB
	tx    *sql.Tx
	stmts map[*sql.Stmt]*sql.Stmt // the DB's prepared statements, bound to tx
	homes map[string]*homeRow
	order []string // sites in the order first touched, for a stable write order
	gaps  map[string]bool
	res   IngestResult
}

// stmt binds one of the DB's prepared statements to the transaction.
func (b *batch) stmt(s *sql.Stmt) *sql.Stmt {
	if t, ok := b.stmts[s]; ok {
		return t
	}
	if b.stmts == nil {
		b.stmts = map[*sql.Stmt]*sql.Stmt{}
	}
	t := b.tx.StmtContext(b.ctx, s)
	b.stmts[s] = t
	return t
}

func (b *batch) closeStmts() {
	for _, t := range b.stmts {
		t.Close()
	}
}

func (b *batch) apply(i int, m *Message) error {
	if st := m.Status; st != nil {
		if err := b.status(st); err != nil {
			return err
		}
	}
	if s := m.Sighting; s != nil {
		if err := b.sighting(s); err != nil {
			return err
		}
	}
	if in := m.Event; in != nil {
		if in.Site == "" || in.Event.ID == "" {
			return fmt.Errorf("alarmdb: ingest event %d: site and id are required", i)
		}
		if err := b.event(in); err != nil {
			return err
		}
	}
	return nil
}

// finish writes the homes back and reads the open gaps of the homes whose
// gaps changed.
func (b *batch) finish() error {
	for _, site := range b.order {
		if err := b.flush(site); err != nil {
			return err
		}
	}
	for _, site := range b.order {
		if !b.gaps[site] {
			continue
		}
		gs, err := queryGaps(b.ctx, b.tx, `WHERE site = ? AND requested_ms = 0`, site)
		if err != nil {
			return err
		}
		b.res.Gaps = append(b.res.Gaps, gs...)
	}
	return nil
}
