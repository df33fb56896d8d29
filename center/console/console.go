// Package console is the web console of the center's operators: a login
// page, one live page listing active alarms first (by severity, then age),
// the homes with their online state, the maintenance list and test alarms
// apart, and the acknowledge, resolve and reset actions. The page is plain
// HTML/JS served from this package; it learns of changes over server-sent
// events and then fetches the state again.
//
// Every request but the login needs a session cookie; every action is
// recorded in the audit log with the operator who did it. State-changing
// requests must be JSON (which a cross-site form cannot send) and the cookie
// is SameSite=Strict.
package console

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/safehub-iot/safehub/center/alarmdb"
)

//go:embed static
var static embed.FS

// Actions are the operator actions that go beyond the database: an
// acknowledgement is also sent to the box.
type Actions interface {
	Acknowledge(ctx context.Context, alarmID, operator string) (alarmdb.Alarm, error)
	Resolve(ctx context.Context, alarmID, operator, outcome, note string) (alarmdb.Alarm, error)
	// Reset asks the alarm's box to reset its latched alarms; the alarm's
	// Reset says when the box confirmed.
	Reset(ctx context.Context, alarmID, operator string) (alarmdb.Alarm, error)
}

// Config builds a console.
type Config struct {
	DB      *alarmdb.DB
	Actions Actions
	// Changes subscribes to "something changed" signals; the returned
	// function unsubscribes. The channel is closed when the center stops.
	Changes func() (<-chan struct{}, func())
	// SessionTTL is how long a login lasts (default 12 h, a night shift).
	SessionTTL time.Duration
	Clock      clockwork.Clock
	Log        *slog.Logger
}

const cookieName = "safehub_session"

// Console is the web console's http.Handler.
type Console struct {
	cfg Config
	mux *http.ServeMux
}

// New builds the console.
func New(cfg Config) *Console {
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.Clock == nil {
		cfg.Clock = clockwork.NewRealClock()
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	c := &Console{cfg: cfg, mux: http.NewServeMux()}
	sub, _ := fs.Sub(static, "static")
	files := http.FileServerFS(sub)
	c.mux.Handle("GET /", files)
	c.mux.HandleFunc("POST /api/login", c.login)
	c.mux.HandleFunc("POST /api/logout", c.auth(c.logout))
	c.mux.HandleFunc("GET /api/state", c.auth(c.state))
	c.mux.HandleFunc("GET /api/events", c.auth(c.events))
	c.mux.HandleFunc("GET /api/homes/{site}/history", c.auth(c.history))
	c.mux.HandleFunc("POST /api/alarms/{id}/ack", c.auth(c.ack))
	c.mux.HandleFunc("POST /api/alarms/{id}/resolve", c.auth(c.resolve))
	c.mux.HandleFunc("POST /api/alarms/{id}/reset", c.auth(c.reset))
	return c
}

func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "default-src 'self'")
	c.mux.ServeHTTP(w, r)
}

// auth admits requests with a live session cookie.
func (c *Console) auth(next func(http.ResponseWriter, *http.Request, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ck, err := r.Cookie(cookieName)
		if err != nil {
			writeError(w, http.StatusUnauthorized, "", "not logged in")
			return
		}
		op, err := c.cfg.DB.SessionOperator(r.Context(), ck.Value)
		if errors.Is(err, alarmdb.ErrNotFound) {
			writeError(w, http.StatusUnauthorized, "", "session expired: log in again")
			return
		}
		if err != nil {
			c.cfg.Log.Error("read session", "err", err)
			writeError(w, http.StatusInternalServerError, "", "internal error")
			return
		}
		next(w, r, op)
	}
}

type apiError struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

func writeError(w http.ResponseWriter, code int, field, msg string) {
	writeJSON(w, code, apiError{Error: msg, Field: field})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v) // fails only when the client went away: nobody to tell
}
