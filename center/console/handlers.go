package console

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/safehub-iot/safehub/center/alarmdb"
)

func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		badRequest(w, err)
		return
	}
	name, password, err := DecodeLogin(body)
	if err != nil {
		badRequest(w, err)
		return
	}
	if err := c.cfg.DB.CheckPassword(r.Context(), name, password); err != nil {
		if errors.Is(err, alarmdb.ErrBadPassword) {
			c.cfg.Log.Warn("console login refused", "operator", name, "remote", r.RemoteAddr)
			writeError(w, http.StatusUnauthorized, "", "wrong operator name or password")
			return
		}
		c.internal(w, "check password", err)
		return
	}
	tok, err := c.cfg.DB.NewSession(r.Context(), name, c.cfg.SessionTTL)
	if err != nil {
		c.internal(w, "new session", err)
		return
	}
	if err := c.cfg.DB.Audit(r.Context(), name, "login", "", r.RemoteAddr); err != nil {
		c.internal(w, "audit", err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil, MaxAge: int(c.cfg.SessionTTL / time.Second)})
	c.cfg.Log.Info("operator logged in", "operator", name)
	writeJSON(w, http.StatusOK, map[string]string{"operator": name})
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request, op string) {
	if ck, err := r.Cookie(cookieName); err == nil {
		if err := c.cfg.DB.EndSession(r.Context(), ck.Value); err != nil {
			c.internal(w, "end session", err)
			return
		}
	}
	if err := c.cfg.DB.Audit(r.Context(), op, "logout", "", ""); err != nil {
		c.internal(w, "audit", err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1})
	writeJSON(w, http.StatusOK, map[string]string{})
}

// State is everything the console page shows.
type State struct {
	Operator    string                    `json:"operator"`
	Now         time.Time                 `json:"now"`
	Alarms      []alarmdb.Alarm           `json:"alarms"`      // open, real
	TestAlarms  []alarmdb.Alarm           `json:"test_alarms"` // open, from commissioning
	Recent      []alarmdb.Alarm           `json:"recent"`      // resolved lately, real and test
	Homes       []alarmdb.Home            `json:"homes"`
	Outages     []alarmdb.Outage          `json:"outages"`
	Maintenance []alarmdb.MaintenanceItem `json:"maintenance"`
	Gaps        []alarmdb.Gap             `json:"gaps"`
	Outcomes    []string                  `json:"outcomes"`
}

func (c *Console) state(w http.ResponseWriter, r *http.Request, op string) {
	ctx := r.Context()
	real, test := false, true
	st := State{Operator: op, Now: c.cfg.Clock.Now().UTC(), Outcomes: Outcomes}
	var err error
	if st.Alarms, err = c.cfg.DB.Alarms(ctx, alarmdb.Filter{Open: true, Test: &real}); err != nil {
		c.internal(w, "state", err)
		return
	}
	if st.TestAlarms, err = c.cfg.DB.Alarms(ctx, alarmdb.Filter{Open: true, Test: &test}); err != nil {
		c.internal(w, "state", err)
		return
	}
	all, err := c.cfg.DB.Alarms(ctx, alarmdb.Filter{})
	if err != nil {
		c.internal(w, "state", err)
		return
	}
	for i := len(all) - 1; i >= 0 && len(st.Recent) < 20; i-- {
		if all[i].State == alarmdb.StateResolved {
			st.Recent = append(st.Recent, all[i])
		}
	}
	if st.Homes, err = c.cfg.DB.Homes(ctx); err != nil {
		c.internal(w, "state", err)
		return
	}
	outages, err := c.cfg.DB.Outages(ctx, "")
	if err != nil {
		c.internal(w, "state", err)
		return
	}
	for _, o := range outages {
		if o.Ended.IsZero() {
			st.Outages = append(st.Outages, o)
		}
	}
	if st.Maintenance, err = c.cfg.DB.Maintenance(ctx, false); err != nil {
		c.internal(w, "state", err)
		return
	}
	if st.Gaps, err = c.cfg.DB.Gaps(ctx, ""); err != nil {
		c.internal(w, "state", err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (c *Console) history(w http.ResponseWriter, r *http.Request, _ string) {
	site := r.PathValue("site")
	evs, err := c.cfg.DB.History(r.Context(), site, 200)
	if err != nil {
		c.internal(w, "history", err)
		return
	}
	alarms, err := c.cfg.DB.Alarms(r.Context(), alarmdb.Filter{Site: site})
	if err != nil {
		c.internal(w, "history", err)
		return
	}
	outages, err := c.cfg.DB.Outages(r.Context(), site)
	if err != nil {
		c.internal(w, "history", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"site": site, "events": evs, "alarms": alarms, "outages": outages})
}

func (c *Console) ack(w http.ResponseWriter, r *http.Request, op string) {
	a, err := c.cfg.Actions.Acknowledge(r.Context(), r.PathValue("id"), op)
	if err != nil {
		c.actionError(w, "acknowledge", err)
		return
	}
	c.cfg.Log.Info("alarm acknowledged", "alarm", a.ID, "site", a.Site, "operator", op)
	writeJSON(w, http.StatusOK, a)
}

func (c *Console) resolve(w http.ResponseWriter, r *http.Request, op string) {
	body, err := readBody(r)
	if err != nil {
		badRequest(w, err)
		return
	}
	outcome, note, err := DecodeResolve(body)
	if err != nil {
		badRequest(w, err)
		return
	}
	a, err := c.cfg.Actions.Resolve(r.Context(), r.PathValue("id"), op, outcome, note)
	if err != nil {
		c.actionError(w, "resolve", err)
		return
	}
	c.cfg.Log.Info("alarm resolved", "alarm", a.ID, "site", a.Site, "operator", op, "outcome", outcome)
	writeJSON(w, http.StatusOK, a)
}

// reset asks the box to reset a latched alarm (smoke). The answer is the
// alarm with the request recorded; the box's confirmation comes later.
func (c *Console) reset(w http.ResponseWriter, r *http.Request, op string) {
	a, err := c.cfg.Actions.Reset(r.Context(), r.PathValue("id"), op)
	if err != nil {
		c.actionError(w, "reset", err)
		return
	}
	c.cfg.Log.Info("alarm reset requested", "alarm", a.ID, "site", a.Site, "operator", op)
	writeJSON(w, http.StatusAccepted, a)
}

// events streams a "change" event whenever the state changed; the page
// then fetches /api/state. A comment every 20 s keeps proxies from closing
// an idle stream.
func (c *Console) events(w http.ResponseWriter, r *http.Request, _ string) {
	fl, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, "", "streaming unsupported")
		return
	}
	ch, stop := c.cfg.Changes()
	defer stop()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprint(w, "retry: 2000\nevent: change\ndata: {}\n\n")
	fl.Flush()
	keep := c.cfg.Clock.NewTicker(20 * time.Second)
	defer keep.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case _, ok := <-ch:
			if !ok {
				return
			}
			fmt.Fprint(w, "event: change\ndata: {}\n\n")
		case <-keep.Chan():
			fmt.Fprint(w, ": keep-alive\n\n")
		}
		fl.Flush()
	}
}

func (c *Console) actionError(w http.ResponseWriter, op string, err error) {
	switch {
	case errors.Is(err, alarmdb.ErrNotFound):
		writeError(w, http.StatusNotFound, "id", err.Error())
	case errors.Is(err, alarmdb.ErrState):
		writeError(w, http.StatusConflict, "", err.Error())
	default:
		c.internal(w, op, err)
	}
}

func (c *Console) internal(w http.ResponseWriter, op string, err error) {
	c.cfg.Log.Error("console "+op, "err", err)
	writeError(w, http.StatusInternalServerError, "", "internal error")
}

func badRequest(w http.ResponseWriter, err error) {
	var fe *FieldError
	if errors.As(err, &fe) {
		writeError(w, http.StatusBadRequest, fe.Field, fe.Error())
		return
	}
	writeError(w, http.StatusBadRequest, "", err.Error())
}
