package console

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/center/alarmdb"
	"github.com/safehub-iot/safehub/event"
)

// dbActions performs the actions on the database alone (the center also
// sends the acknowledgement to the box).
type dbActions struct{ db *alarmdb.DB }

func (a dbActions) Acknowledge(ctx context.Context, id, op string) (alarmdb.Alarm, error) {
	return a.db.Acknowledge(ctx, id, op)
}

func (a dbActions) Resolve(ctx context.Context, id, op, outcome, note string) (alarmdb.Alarm, error) {
	return a.db.Resolve(ctx, id, op, outcome, note)
}

func (a dbActions) Reset(ctx context.Context, id, op string) (alarmdb.Alarm, error) {
	return a.db.RequestReset(ctx, id, op, "reset-"+id)
}

func newServer(tb testing.TB) (*httptest.Server, *alarmdb.DB) {
	tb.Helper()
	db, err := alarmdb.Open(context.Background(), filepath.Join(tb.TempDir(), "c.db"), nil)
	require.NoError(tb, err)
	tb.Cleanup(func() { db.Close() })
	require.NoError(tb, db.SetOperator(context.Background(), "anna", "correct-horse"))
	_, err = db.Ingest(context.Background(), []alarmdb.Incoming{{Site: "rose-12", Received: time.Now(), Event: event.Event{
		ID: "a1", AlarmID: "a1", Seq: 1, Time: time.Now(), Kind: event.AlarmRaised, Severity: event.Critical, Message: "button"}}})
	require.NoError(tb, err)
	changes := func() (<-chan struct{}, func()) { ch := make(chan struct{}); return ch, func() {} }
	srv := httptest.NewServer(New(Config{DB: db, Actions: dbActions{db}, Changes: changes, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	tb.Cleanup(srv.Close)
	return srv, db
}

type response struct {
	code int
	body map[string]any
}

func do(tb testing.TB, cl *http.Client, method, url, ctype, body string) response {
	tb.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(tb, err)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := cl.Do(req)
	require.NoError(tb, err)
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m) // some bodies are empty
	return response{resp.StatusCode, m}
}

func TestConsoleAPI(t *testing.T) {
	srv, db := newServer(t)
	jar, _ := cookiejar.New(nil)
	cl := &http.Client{Jar: jar}
	const js = "application/json"
	steps := []struct {
		name, method, path, ctype, body string
		wantCode                        int
		wantField                       string
	}{
		{name: "state without login", method: "GET", path: "/api/state", wantCode: 401},
		{name: "ack without login", method: "POST", path: "/api/alarms/a1/ack", wantCode: 401},
		{name: "login as form", method: "POST", path: "/api/login", ctype: "application/x-www-form-urlencoded", body: "name=anna", wantCode: 400, wantField: "Content-Type"},
		{name: "login unknown field", method: "POST", path: "/api/login", ctype: js, body: `{"name":"anna","pass":"x"}`, wantCode: 400, wantField: "pass"},
		{name: "login wrong type", method: "POST", path: "/api/login", ctype: js, body: `{"name":1}`, wantCode: 400, wantField: "name"},
		{name: "login no password", method: "POST", path: "/api/login", ctype: js, body: `{"name":"anna"}`, wantCode: 400, wantField: "password"},
		{name: "login wrong password", method: "POST", path: "/api/login", ctype: js, body: `{"name":"anna","password":"wrong-horse"}`, wantCode: 401},
		{name: "login", method: "POST", path: "/api/login", ctype: js, body: `{"name":"anna","password":"correct-horse"}`, wantCode: 200},
		{name: "state", method: "GET", path: "/api/state", wantCode: 200},
		{name: "resolve before ack", method: "POST", path: "/api/alarms/a1/resolve", ctype: js, body: `{"outcome":"help sent"}`, wantCode: 409},
		{name: "ack unknown", method: "POST", path: "/api/alarms/zz/ack", wantCode: 404, wantField: "id"},
		{name: "ack", method: "POST", path: "/api/alarms/a1/ack", wantCode: 200},
		{name: "ack again", method: "POST", path: "/api/alarms/a1/ack", wantCode: 409},
		{name: "resolve bad outcome", method: "POST", path: "/api/alarms/a1/resolve", ctype: js, body: `{"outcome":"meh"}`, wantCode: 400, wantField: "outcome"},
		{name: "resolve other without note", method: "POST", path: "/api/alarms/a1/resolve", ctype: js, body: `{"outcome":"other"}`, wantCode: 400, wantField: "note"},
		{name: "resolve trailing data", method: "POST", path: "/api/alarms/a1/resolve", ctype: js, body: `{"outcome":"help sent"} {}`, wantCode: 400},
		{name: "resolve", method: "POST", path: "/api/alarms/a1/resolve", ctype: js, body: `{"outcome":"help sent","note":"ok"}`, wantCode: 200},
		{name: "history", method: "GET", path: "/api/homes/rose-12/history", wantCode: 200},
		{name: "logout", method: "POST", path: "/api/logout", wantCode: 200},
		{name: "state after logout", method: "GET", path: "/api/state", wantCode: 401},
	}
	for _, s := range steps {
		got := do(t, cl, s.method, srv.URL+s.path, s.ctype, s.body)
		if got.code != s.wantCode {
			t.Fatalf("%s: got status %d (%v), want %d", s.name, got.code, got.body, s.wantCode)
		}
		if s.wantField != "" && got.body["field"] != s.wantField {
			t.Errorf("%s: got error field %v (%v), want %q", s.name, got.body["field"], got.body["error"], s.wantField)
		}
	}
	log, err := db.AuditLog(context.Background(), 0)
	require.NoError(t, err)
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Operator+" "+e.Action)
	}
	require.Equal(t, []string{"anna logout", "anna resolve", "anna acknowledge", "anna login"}, actions)
}

func TestStaticPage(t *testing.T) {
	srv, _ := newServer(t)
	for _, path := range []string{"/", "/app.js", "/style.css"} {
		resp, err := http.Get(srv.URL + path)
		require.NoError(t, err)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: got %d, want 200", path, resp.StatusCode)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); csp != "default-src 'self'" {
			t.Errorf("GET %s: got CSP %q", path, csp)
		}
	}
}

func FuzzDecodeResolve(f *testing.F) {
	f.Add([]byte(`{"outcome":"help sent","note":"ok"}`))
	f.Add([]byte(`{"outcome":"other"}`))
	f.Add([]byte(`{"outcome":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		outcome, _, err := DecodeResolve(b)
		if err == nil && outcome == "" {
			t.Fatalf("accepted %q with no outcome", b)
		}
	})
}

func FuzzDecodeLogin(f *testing.F) {
	f.Add([]byte(`{"name":"anna","password":"x"}`))
	f.Add([]byte(`{"name":"","password":""}`))
	f.Add([]byte(`{"name":"a"} trailing`))
	f.Fuzz(func(t *testing.T, b []byte) {
		name, pw, err := DecodeLogin(b)
		if err == nil && (strings.TrimSpace(name) == "" || pw == "") {
			t.Fatalf("accepted %q with empty name or password", b)
		}
	})
}
