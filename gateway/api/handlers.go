package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/safehub-iot/safehub/internal/duration"
)

// Handler is the API's routes, for tests that serve it themselves.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/status", s.status)
	mux.HandleFunc("GET /v1/sensors", s.sensors)
	mux.HandleFunc("GET /v1/events", s.events)
	mux.HandleFunc("GET /v1/events/stream", s.stream)
	mux.HandleFunc("POST /v1/alarm/test", s.alarmTest)
	mux.HandleFunc("POST /v1/walktest", s.walkTest)
	mux.HandleFunc("GET /v1/outputs", s.outputs)
	mux.HandleFunc("POST /v1/outputs/test", s.outputTest)
	mux.HandleFunc("POST /v1/pair", s.pair)
	mux.HandleFunc("POST /v1/config/validate", s.validateConfig)
	mux.HandleFunc("POST /v1/rules/validate", s.validateRules)
	mux.HandleFunc("POST /v1/reload", s.reload)
	mux.HandleFunc("POST /v1/reset", s.reset)
	return mux
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) fail(w http.ResponseWriter, err error) {
	code, status := CodeFailed, http.StatusInternalServerError
	switch {
	case errors.Is(err, ErrInvalid):
		code, status = CodeInvalid, http.StatusUnprocessableEntity
	case errors.Is(err, ErrNotAvailable):
		code, status = CodeNotAvailable, http.StatusNotImplemented
	case errors.Is(err, ErrBusy):
		code, status = CodeBusy, http.StatusConflict
	case errors.Is(err, ErrBadRequest):
		code, status = CodeBadRequest, http.StatusBadRequest
	default:
		s.cfg.Log.Error("api request failed", "err", err)
	}
	writeJSON(w, status, ErrorBody{Code: code, Error: err.Error()})
}

func badRequest(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadRequest, fmt.Sprintf(format, args...))
}

// queryDuration reads a positive duration parameter, def when absent.
func queryDuration(r *http.Request, name string, def, max time.Duration) (time.Duration, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	d, err := duration.Parse(v)
	if err != nil || d <= 0 || d > max {
		return 0, badRequest("%s=%q: expected a duration from 1s to %s, such as 30s or 5m", name, v, max)
	}
	return d, nil
}

// queryDurationIn reads a duration parameter from lo to hi, def when absent.
func queryDurationIn(r *http.Request, name string, def, lo, hi time.Duration) (time.Duration, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	d, err := duration.Parse(v)
	if err != nil || d < lo || d > hi {
		return 0, badRequest("%s=%q: expected a duration from %s to %s, such as %s", name, v, lo, hi, def)
	}
	return d, nil
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	st, err := s.cfg.Backend.Status.Status(r.Context())
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) sensors(w http.ResponseWriter, r *http.Request) {
	st, err := s.cfg.Backend.Status.Status(r.Context())
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st.Sensors)
}

func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 1000
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100000 {
			s.fail(w, badRequest("limit=%q: expected a whole number from 1 to 100000", v))
			return
		}
		limit = n
	}
	src := s.cfg.Backend.Events
	switch {
	case q.Get("since") != "":
		t, err := time.Parse(time.RFC3339Nano, q.Get("since"))
		if err != nil {
			s.fail(w, badRequest("since=%q: expected an RFC 3339 time such as 2026-11-23T10:00:00Z", q.Get("since")))
			return
		}
		evs, err := src.EventsSince(r.Context(), t, limit)
		if err != nil {
			s.fail(w, err)
			return
		}
		writeJSON(w, http.StatusOK, evs)
	default:
		after, err := strconv.ParseInt(q.Get("after"), 10, 64)
		if q.Get("after") != "" && (err != nil || after < 0) {
			s.fail(w, badRequest("after=%q: expected a sequence number", q.Get("after")))
			return
		}
		evs, err := src.Events(r.Context(), after, limit)
		if err != nil {
			s.fail(w, err)
			return
		}
		writeJSON(w, http.StatusOK, evs)
	}
}

// lines starts a JSON lines answer.
func lines(w http.ResponseWriter) func(v any) error {
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	fl, _ := w.(http.Flusher)
	return func(v any) error {
		if err := enc.Encode(v); err != nil {
			return err
		}
		if fl != nil {
			fl.Flush()
		}
		return nil
	}
}

func (s *Server) stream(w http.ResponseWriter, r *http.Request) {
	ch, stop := s.cfg.Backend.Events.Subscribe(256)
	defer stop()
	send := lines(w)
	for {
		select {
		case <-r.Context().Done():
			return
		case ev, ok := <-ch:
			if !ok {
				return
			}
			if send(ev) != nil {
				return
			}
		}
	}
}

func (s *Server) alarmTest(w http.ResponseWriter, r *http.Request) {
	timeout, err := queryDuration(r, "timeout", 30*time.Second, time.Hour)
	if err != nil {
		s.fail(w, err)
		return
	}
	b := s.cfg.Backend.Alarms
	ev, err := b.RaiseTestAlarm(r.Context())
	if err != nil {
		s.fail(w, err)
		return
	}
	send := lines(w)
	clock := s.cfg.Clock
	raised := ev.Time
	step := func(stage string, at time.Time) error {
		return send(AlarmProgress{Stage: stage, AlarmID: ev.ID, Time: at, AfterMS: at.Sub(raised).Milliseconds()})
	}
	if step(StageRaised, raised) != nil {
		return
	}
	deadline := clock.After(timeout)
	tick := clock.NewTicker(s.cfg.Poll)
	defer tick.Stop()
	var delivered bool
	for {
		select {
		case <-r.Context().Done():
			return
		case <-deadline:
			step(StageTimeout, clock.Now())
			return
		case <-tick.Chan():
		}
		del, ack, err := b.AlarmProgress(r.Context(), ev.ID)
		if err != nil {
			s.cfg.Log.Error("test alarm progress", "err", err)
			continue
		}
		if !del.IsZero() && !delivered {
			delivered = true
			if step(StageDelivered, del) != nil {
				return
			}
		}
		if !ack.IsZero() {
			step(StageAcknowledged, ack)
			return
		}
	}
}

func (s *Server) pair(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Backend.Pair == nil {
		s.fail(w, fmt.Errorf("pairing: %w: this box has no wireless bridge driver", ErrNotAvailable))
		return
	}
	var req PairRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req); err != nil {
		s.fail(w, badRequest("pair request: %v", err))
		return
	}
	if req.Name == "" || req.Kind == "" {
		s.fail(w, badRequest("pair request: name and kind are required"))
		return
	}
	if req.Timeout <= 0 || req.Timeout > 10*time.Minute {
		s.fail(w, badRequest("pair request: timeout %s: expected 1s to 10m", req.Timeout))
		return
	}
	res, err := s.cfg.Backend.Pair.Pair(r.Context(), req)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) validateConfig(w http.ResponseWriter, r *http.Request) {
	file, err := s.cfg.Backend.Reload.ValidateConfig(r.Context())
	s.validation(w, file, "config is valid", err)
}

func (s *Server) validateRules(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		s.fail(w, badRequest("read rules: %v", err))
		return
	}
	if len(body) == 0 {
		body = nil
	}
	file, err := s.cfg.Backend.Reload.ValidateRules(r.Context(), body)
	s.validation(w, file, "rules are valid for this box's sensors", err)
}

func (s *Server) reload(w http.ResponseWriter, r *http.Request) {
	note, err := s.cfg.Backend.Reload.Reload(r.Context())
	if note == "" {
		note = "config reloaded"
	}
	s.validation(w, "", note, err)
}

func (s *Server) validation(w http.ResponseWriter, file, ok string, err error) {
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, Validation{OK: true, File: file, Message: ok})
}

func (s *Server) reset(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Backend.Reset == nil {
		s.fail(w, fmt.Errorf("reset: %w on this box", ErrNotAvailable))
		return
	}
	if err := s.cfg.Backend.Reset.Reset(r.Context()); err != nil {
		s.fail(w, fmt.Errorf("reset: %w", err))
		return
	}
	s.cfg.Log.Info("latched alarms reset from the local api")
	writeJSON(w, http.StatusOK, ResetResult{Reset: true})
}
