package alarmdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// AuditEntry is one recorded operator action.
type AuditEntry struct {
	Time     time.Time `json:"time"`
	Operator string    `json:"operator"`
	Action   string    `json:"action"`
	Target   string    `json:"target,omitempty"`
	Detail   string    `json:"detail,omitempty"`
}

// SetOperator creates the local account name, or changes its password. The
// password is stored only as a bcrypt hash.
func (d *DB) SetOperator(ctx context.Context, name, password string) error {
	switch {
	case strings.TrimSpace(name) == "" || strings.ContainsAny(name, ":\n"):
		return fmt.Errorf("alarmdb: operator name %q: must be non-empty, without ':' or newline", name)
	case len(password) < 8:
		return fmt.Errorf("alarmdb: operator %q: password must have at least 8 characters", name)
	case len(password) > 72:
		return fmt.Errorf("alarmdb: operator %q: password must have at most 72 bytes (bcrypt)", name)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return fmt.Errorf("alarmdb: hash password of %q: %w", name, err)
	}
	if _, err := d.db.ExecContext(ctx, `INSERT INTO operators(name, hash, created_ms) VALUES (?,?,?) ON CONFLICT(name) DO UPDATE SET hash = excluded.hash`,
		name, hash, ms(d.clock.Now())); err != nil {
		return fmt.Errorf("alarmdb: save operator %q: %w", name, err)
	}
	return nil
}

// CheckPassword returns nil if password is name's, or an error wrapping
// ErrBadPassword.
func (d *DB) CheckPassword(ctx context.Context, name, password string) error {
	var hash []byte
	err := d.db.QueryRowContext(ctx, `SELECT hash FROM operators WHERE name = ?`, name).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		// Spend the same time as for a known name.
		_ = bcrypt.CompareHashAndPassword(dummyHash(), []byte(password)) // spends the time a real check takes; the result is not wanted
		return ErrBadPassword
	}
	if err != nil {
		return fmt.Errorf("alarmdb: read operator: %w", err)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil {
		return ErrBadPassword
	}
	return nil
}

// dummyHash is made on first use: bcrypt is slow on purpose.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("not a password of anyone"), bcrypt.DefaultCost)
	return h
})

// NewSession starts a login session for operator lasting ttl and returns
// its token (128 random bits, hex).
func (d *DB) NewSession(ctx context.Context, operator string, ttl time.Duration) (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("alarmdb: session token: %w", err)
	}
	tok := hex.EncodeToString(b)
	now := d.clock.Now()
	if _, err := d.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires_ms < ?`, ms(now)); err != nil {
		return "", fmt.Errorf("alarmdb: expire sessions: %w", err)
	}
	if _, err := d.db.ExecContext(ctx, `INSERT INTO sessions(token, operator, expires_ms) VALUES (?,?,?)`, tok, operator, ms(now.Add(ttl))); err != nil {
		return "", fmt.Errorf("alarmdb: save session: %w", err)
	}
	return tok, nil
}

// SessionOperator returns the operator of a live session, or an error
// wrapping ErrNotFound.
func (d *DB) SessionOperator(ctx context.Context, token string) (string, error) {
	var op string
	err := d.db.QueryRowContext(ctx, `SELECT operator FROM sessions WHERE token = ? AND expires_ms >= ?`, token, ms(d.clock.Now())).Scan(&op)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("session: %w", ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("alarmdb: read session: %w", err)
	}
	return op, nil
}

// EndSession logs a session out.
func (d *DB) EndSession(ctx context.Context, token string) error {
	if _, err := d.db.ExecContext(ctx, `DELETE FROM sessions WHERE token = ?`, token); err != nil {
		return fmt.Errorf("alarmdb: end session: %w", err)
	}
	return nil
}

// Audit records an operator action.
func (d *DB) Audit(ctx context.Context, operator, action, target, detail string) error {
	return d.tx(ctx, "audit", func(tx *sql.Tx) error {
		return audit(ctx, tx, d.clock.Now(), operator, action, target, detail)
	})
}

func audit(ctx context.Context, tx *sql.Tx, t time.Time, operator, action, target, detail string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit(time_ms, operator, action, target, detail) VALUES (?,?,?,?,?)`, ms(t), operator, action, target, detail); err != nil {
		return fmt.Errorf("alarmdb: audit %s: %w", action, err)
	}
	return nil
}

// AuditLog returns the latest operator actions, newest first.
func (d *DB) AuditLog(ctx context.Context, limit int) ([]AuditEntry, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := d.db.QueryContext(ctx, `SELECT time_ms, operator, action, target, detail FROM audit ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("alarmdb: read audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var t int64
		if err := rows.Scan(&t, &e.Operator, &e.Action, &e.Target, &e.Detail); err != nil {
			return nil, fmt.Errorf("alarmdb: read audit log: %w", err)
		}
		e.Time = fromMS(t)
		out = append(out, e)
	}
	return out, rows.Err()
}
