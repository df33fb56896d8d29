package smsfallback

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
)

// Link is the cloud link as the fallback sees it.
type Link interface {
	// DownSince returns when the link went down, and false while it is up.
	DownSince() (time.Time, bool)
}

// Alarms lists the alarms nobody has handled yet (gateway/store.Store has
// this method).
type Alarms interface {
	// OpenAlarms returns the alarm_raised events of the alarms the center
	// has not acknowledged and that were not cleared or cancelled at home,
	// with the alarm_escalated events of those alarms (AlarmID names the
	// alarm), in sequence order.
	OpenAlarms(ctx context.Context) ([]event.Event, error)
}

// SentLog keeps, across restarts, which alarms were texted to which
// numbers (gateway/store.Store has these methods). GetState returns an
// error wrapping gateway.ErrNoState when nothing was saved.
type SentLog interface {
	GetState(ctx context.Context, key string) ([]byte, error)
	PutState(ctx context.Context, key string, value []byte, at time.Time) error
}

// sentKey is the SentLog key of the texted alarms.
const sentKey = "gsm.sms_sent"

// Sender sends one text message; *gsm.Modem is one.
type Sender interface {
	// SendSMS sends text to number (international form), split into as
	// many messages as it needs, and returns once the network confirmed
	// them or ctx is done. An error means the text may not have arrived:
	// the fallback sends it again at the next check.
	SendSMS(ctx context.Context, number, text string) error
}

// Checker tells whether the modem can send; *gsm.Modem is one.
type Checker interface {
	// Ready returns nil when the modem can send: SIM ready, registered on
	// a network, signal at least minSignal (0–31, per AT+CSQ). Otherwise
	// its error's message says why not, for people ("no SIM card"). It
	// does any setup the modem needs first, and may be called again after
	// an error.
	Ready(ctx context.Context, minSignal int) error
}

// Modem is what the fallback needs of a GSM modem.
type Modem interface {
	Sender
	Checker
}

// Fallback texts the alarms nobody has handled: one SMS to each number
// once an open alarm is due (the cloud link down longer than
// Config.LinkDownAfter, the alarm escalated, or no acknowledgement within
// Config.AckWithin though the link is up: the center is down), and one
// more at each escalation after that. An alarm cleared or cancelled at
// home is never texted. A failed send is tried again at the next check;
// what has been sent is remembered in Sent, so a restart during an outage
// texts nobody twice (without Sent, for as long as the process runs).
type Fallback struct {
	Config Config
	Modem  Modem
	Link   Link
	Alarms Alarms
	// Sent, if set, keeps the record of texts sent across restarts.
	Sent  SentLog
	Clock gateway.Clock
	// Status receives the modem's health changes (no SIM, not registered,
	// weak signal, not answering) as the sensor "gsm". Optional.
	Status func(gateway.Status)
	// Location is the time zone of times in the text; nil means Local.
	Location *time.Location
	Log      *slog.Logger

	sent   map[string]map[string]bool // alarm ID -> numbers texted
	health event.Health
	reason string
}

// Run checks every CheckEvery until ctx is done, and the modem's health
// every HealthEvery. It returns nil when ctx is done, or an error if the
// fallback is not set up.
func (f *Fallback) Run(ctx context.Context) error {
	if f.Modem == nil || f.Link == nil || f.Alarms == nil || f.Clock == nil {
		return errors.New("gsm fallback: Modem, Link, Alarms and Clock are required")
	}
	if err := f.Config.Validate(); err != nil {
		return fmt.Errorf("gsm fallback: %w", err)
	}
	if f.Log == nil {
		f.Log = slog.Default()
	}
	f.sent = map[string]map[string]bool{}
	f.loadSent(ctx)
	f.checkHealth(ctx)
	tick := f.Clock.NewTicker(f.Config.CheckEvery)
	defer tick.Stop()
	nextHealth := f.Clock.Now().Add(f.Config.HealthEvery)
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-tick.Chan():
			if !now.Before(nextHealth) {
				f.checkHealth(ctx)
				nextHealth = now.Add(f.Config.HealthEvery)
			}
			f.check(ctx)
		}
	}
}

// check sends what is due.
func (f *Fallback) check(ctx context.Context) {
	evs, err := f.Alarms.OpenAlarms(ctx)
	if err != nil {
		f.Log.Error("gsm fallback: list open alarms", "err", err)
		return
	}
	now := f.Clock.Now()
	since, down := f.Link.DownSince()
	linkOut := down && now.Sub(since) >= f.Config.LinkDownAfter
	live := map[string]bool{}
	changed := false
	defer func() {
		if changed {
			f.saveSent(ctx)
		}
	}()
	for _, a := range openAlarms(evs) {
		live[a.raised.ID] = true
		keys := []string{a.raised.ID} // the alarm, then each escalation: one text each
		for _, e := range a.escalations {
			live[e.ID] = true
			keys = append(keys, e.ID)
		}
		reason := a.due(now, linkOut, f.Config.AckWithin)
		if reason == "" {
			continue
		}
		text := Text(f.Config.Language, f.Config.Site, a.raised, len(a.escalations), f.Location)
		for _, n := range f.Config.Numbers {
			var pending []string
			for _, k := range keys {
				if !f.sent[k][n] {
					pending = append(pending, k)
				}
			}
			if len(pending) == 0 {
				continue
			}
			if err := f.Modem.SendSMS(ctx, n, text); err != nil {
				f.Log.Error("gsm fallback: sms failed, will retry", "number", n, "seq", a.raised.Seq, "err", err)
				continue
			}
			for _, k := range pending {
				if f.sent[k] == nil {
					f.sent[k] = map[string]bool{}
				}
				f.sent[k][n] = true
			}
			changed = true
			f.Log.Info("gsm fallback: alarm sent by sms", "number", n, "seq", a.raised.Seq, "alarm", a.raised.ID, "why", reason)
		}
	}
	for id := range f.sent {
		if !live[id] {
			delete(f.sent, id) // handled meanwhile
			changed = true
		}
	}
}

// openAlarm is an alarm nobody has handled, with its escalations.
type openAlarm struct {
	raised      event.Event
	escalations []event.Event
}

// openAlarms groups OpenAlarms' events by alarm, oldest alarm first.
func openAlarms(evs []event.Event) []*openAlarm {
	var out []*openAlarm
	byID := map[string]*openAlarm{}
	for _, ev := range evs {
		switch ev.Kind {
		case event.AlarmRaised:
			a := &openAlarm{raised: ev}
			byID[ev.ID] = a
			out = append(out, a)
		case event.AlarmEscalated:
			if a := byID[ev.AlarmID]; a != nil {
				a.escalations = append(a.escalations, ev)
			}
		}
	}
	return out
}

// due says why the alarm goes out by SMS now, or "" while the center may
// still handle it.
func (a *openAlarm) due(now time.Time, linkOut bool, ackWithin time.Duration) string {
	switch {
	case linkOut:
		return "cloud link down"
	case len(a.escalations) > 0:
		return "escalated"
	case now.Sub(a.raised.Time) >= ackWithin:
		return "no acknowledgement from the center"
	}
	return ""
}

// loadSent restores the record of texts sent before a restart. A record
// that cannot be read is logged and started afresh: a text sent twice is
// better than one not sent.
func (f *Fallback) loadSent(ctx context.Context) {
	if f.Sent == nil {
		return
	}
	data, err := f.Sent.GetState(ctx, sentKey)
	if errors.Is(err, gateway.ErrNoState) {
		return
	}
	if err != nil {
		f.Log.Error("gsm fallback: read the record of texts sent", "err", err)
		return
	}
	var saved map[string][]string
	if err := json.Unmarshal(data, &saved); err != nil {
		f.Log.Error("gsm fallback: record of texts sent is unreadable; starting afresh", "err", err)
		return
	}
	for id, numbers := range saved {
		done := map[string]bool{}
		for _, n := range numbers {
			done[n] = true
		}
		f.sent[id] = done
	}
}

func (f *Fallback) saveSent(ctx context.Context) {
	if f.Sent == nil {
		return
	}
	out := map[string][]string{}
	for id, done := range f.sent {
		for n := range done {
			out[id] = append(out[id], n)
		}
	}
	data, err := json.Marshal(out)
	if err == nil {
		err = f.Sent.PutState(ctx, sentKey, data, f.Clock.Now())
	}
	if err != nil {
		f.Log.Error("gsm fallback: save the record of texts sent", "err", err)
	}
}

// checkHealth reports the modem's health when it changes.
func (f *Fallback) checkHealth(ctx context.Context) {
	health, reason := event.HealthOK, ""
	if err := f.Modem.Ready(ctx, f.Config.MinSignal); err != nil {
		health, reason = event.HealthFault, "gsm: "+err.Error()
	}
	if health == f.health && reason == f.reason {
		return
	}
	f.health, f.reason = health, reason
	if health == event.HealthFault {
		f.Log.Warn("gsm modem fault", "reason", reason)
	}
	if f.Status != nil {
		f.Status(gateway.Status{Sensor: "gsm", Health: health, Reason: reason, Time: f.Clock.Now()})
	}
}
