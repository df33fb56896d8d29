package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// CommandSeen says whether a downlink command id was recorded and not yet
// expired at now, and gives its saved reply (nil if none was kept).
func (s *Store) CommandSeen(ctx context.Context, id string, now time.Time) (reply []byte, seen bool, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT reply FROM cmd_seen WHERE id = ? AND expires_ms >= ?`, id, now.UnixMilli()).Scan(&reply)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("store: look up command %q: %w", id, err)
	}
	return reply, true, nil
}

// RecordCommand keeps a command id (and its reply, nil for none) until
// expires, durably, and forgets ids that expired before now.
func (s *Store) RecordCommand(ctx context.Context, id string, reply []byte, expires, now time.Time) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: record command %q: %w", id, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM cmd_seen WHERE expires_ms < ?`, now.UnixMilli()); err != nil {
		return fmt.Errorf("store: prune commands: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO cmd_seen(id, expires_ms, reply) VALUES (?,?,?)
		ON CONFLICT(id) DO UPDATE SET expires_ms = max(expires_ms, excluded.expires_ms), reply = coalesce(reply, excluded.reply)`,
		id, expires.UnixMilli(), reply); err != nil {
		return fmt.Errorf("store: record command %q: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: record command %q: %w", id, err)
	}
	s.wrote()
	return nil
}
