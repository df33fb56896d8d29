package smsfallback

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
)

// Link is the cloud link as the fallback sees it.
type Link interface {
	// DownSince returns when the link went down, and false while it is up.
	DownSince() (time.Time, bool)
}

// Alarms lists raised alarms the center has not acknowledged, oldest first
// (gateway/store.Store has this method).
type Alarms interface {
	Unacked(ctx context.Context) ([]event.Event, error)
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

// Fallback texts unacknowledged alarms when the cloud link has been down
// longer than Config.LinkDownAfter: one SMS per alarm to each number. A
// failed send is tried again at the next check; what has been sent is
// remembered in Sent, so a restart during an outage texts nobody twice
// (without Sent, for as long as the process runs).
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
	since, down := f.Link.DownSince()
	if !down || f.Clock.Since(since) < f.Config.LinkDownAfter {
		return
	}
	alarms, err := f.Alarms.Unacked(ctx)
	if err != nil {
		f.Log.Error("gsm fallback: list unacknowledged alarms", "err", err)
		return
	}
	live := map[string]bool{}
	changed := false
	defer func() {
		if changed {
			f.saveSent(ctx)
		}
	}()
	for _, ev := range alarms {
		if ev.Kind != event.AlarmRaised {
			continue
		}
		live[ev.ID] = true
		done := f.sent[ev.ID]
		if done == nil {
			done = map[string]bool{}
			f.sent[ev.ID] = done
		}
		text := Text(f.Config.Site, ev, f.Location)
		for _, n := range f.Config.Numbers {
			if done[n] {
				continue
			}
			if err := f.Modem.SendSMS(ctx, n, text); err != nil {
				f.Log.Error("gsm fallback: sms failed, will retry", "number", n, "seq", ev.Seq, "err", err)
				continue
			}
			done[n] = true
			changed = true
			f.Log.Info("gsm fallback: alarm sent by sms", "number", n, "seq", ev.Seq, "alarm", ev.ID)
		}
	}
	for id := range f.sent {
		if !live[id] {
			delete(f.sent, id) // acknowledged meanwhile
			changed = true
		}
	}
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

// Text is the SMS for an alarm: site, what, where, when and sequence
// number, e.g. "SafeHub ALARM Rosenweg 5: fall - radar1, bedroom -
// 2026-11-23 10:35:12 CET - seq 42. Fall detected".
func Text(site string, ev event.Event, loc *time.Location) string {
	if loc == nil {
		loc = time.Local
	}
	what := ev.SensorKind
	if what == "" {
		what = ev.Rule
	}
	if what == "" {
		what = "alarm"
	}
	where := ev.Sensor
	if ev.Room != "" {
		where += ", " + ev.Room
	}
	var b strings.Builder
	b.WriteString("SafeHub ALARM ")
	if ev.Test {
		b.WriteString("(TEST) ")
	}
	fmt.Fprintf(&b, "%s: %s - %s - %s - seq %d", site, what, where, ev.Time.In(loc).Format("2006-01-02 15:04:05 MST"), ev.Seq)
	if ev.Message != "" {
		b.WriteString(". " + ev.Message)
	}
	return b.String()
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
