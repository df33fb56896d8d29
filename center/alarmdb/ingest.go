// Ingesting events: each stored exactly once, alarms opened and moved along
// their box-side lifecycle (even when a replay brings a raise after its clear),
// and the maintenance list kept.

package alarmdb

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/safehub-iot/safehub/event"
)

// Incoming is one event as received from a home.
type Incoming struct {
	Site  string
	Event event.Event
	// Received is when the center's MQTT client got it (center clock).
	Received time.Time
}

// IngestResult says what a batch changed.
type IngestResult struct {
	// Stored counts events stored for the first time; Duplicates counts
	// events whose id was already stored (redelivery, replay).
	Stored, Duplicates int
	// Rearmed counts acknowledgements to send again: a box resent an alarm
	// whose acknowledgement had already gone out, so it has not heard it.
	Rearmed int
	// NewAlarms are the alarms created by this batch, in batch order.
	NewAlarms []Alarm
	// Gaps are the open gaps not yet requested of the homes whose gaps this
	// batch changed (opened, narrowed or split).
	Gaps []Gap
	// Back are the homes that came back from an outage (see Seen).
	Back []string
	// Changed reports whether some home's online state changed.
	Changed bool
}

// maintenanceKinds are listed for the technicians, apart from emergencies.
var maintenanceKinds = map[event.Kind]bool{
	event.SensorFault: true,
	event.LowBattery:  true,
	event.Tamper:      true,
	event.MainsLost:   true,
}

// Ingest stores a batch of received events in one transaction. Events whose
// id is already stored are counted and otherwise ignored, so redelivery
// never shows an alarm twice; a resent alarm whose acknowledgement had gone
// out re-arms it, so it is sent again. For each home it tracks the highest
// sequence number seen and records the gaps below it; an event that arrives
// late (a replay) fills its place in the gap.
//
// A home's first event opens a gap from 1 up to it, so whatever the box
// sent before the center knew it is asked for too.
func (d *DB) Ingest(ctx context.Context, batch []Incoming) (IngestResult, error) {
	msgs := make([]Message, len(batch))
	for i := range batch {
		msgs[i].Event = &batch[i]
	}
	return d.Store(ctx, msgs)
}

// event stores one received event, unless its id is stored already.
func (b *batch) event(in *Incoming) error {
	ev := &in.Event
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("alarmdb: encode event %s: %w", ev.ID, err)
	}
	r, err := b.stmt(b.d.st.insEvent).ExecContext(b.ctx, ev.ID, in.Site, ev.Seq, ms(orderTime(in)), ms(in.Received),
		string(ev.Kind), string(ev.Severity), ev.Sensor, ev.AlarmID, ev.Test, body)
	if err != nil {
		return fmt.Errorf("alarmdb: insert event %s: %w", ev.ID, err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		b.res.Duplicates++
		if ev.Kind == event.AlarmRaised {
			// The box sends an alarm again while it has not heard the
			// acknowledgement: send that again too.
			r, err := b.stmt(b.d.st.rearmAck).ExecContext(b.ctx, ev.ID)
			if err != nil {
				return fmt.Errorf("alarmdb: re-arm ack of %s: %w", ev.ID, err)
			}
			if n, _ := r.RowsAffected(); n > 0 {
				b.res.Rearmed++
			}
		}
		return nil
	}
	b.res.Stored++
	// An event is late when its home has sent a higher sequence number
	// already: only then can later events of its alarm have come first.
	late := true
	if ev.Seq > 0 {
		h, err := b.home(in.Site, 0)
		if err != nil {
			return err
		}
		late = ev.Seq <= h.maxSeq
		if err := b.trackSeq(in.Site, h, ev.Seq, ms(in.Received), ev.ID); err != nil {
			return err
		}
	}
	a, err := b.applyEvent(in, late)
	if err != nil {
		return err
	}
	if a != nil {
		b.res.NewAlarms = append(b.res.NewAlarms, *a)
	}
	return nil
}

// orderTime is the time the center orders an event by: the box's time, or
// the center's own receive time when the box said its clock is unsure (a Pi
// without RTC before NTP sync). The box's time stays in the stored body.
func orderTime(in *Incoming) time.Time {
	if in.Event.ClockUnsure {
		return in.Received
	}
	return in.Event.Time
}

// applyEvent updates alarms and the maintenance list for one newly stored
// event, and returns the alarm it created, if any. late says later events
// of its alarm may have been stored before it (see event).
func (b *batch) applyEvent(in *Incoming, late bool) (*Alarm, error) {
	ev := &in.Event
	alarmID := ev.AlarmID
	if alarmID == "" {
		alarmID = ev.ID
	}
	switch {
	case ev.Kind == event.AlarmRaised:
		a := Alarm{
			ID: alarmID, Site: in.Site, Severity: string(ev.Severity), Sensor: ev.Sensor,
			SensorKind: ev.SensorKind, Room: ev.Room, Rule: ev.Rule, Message: ev.Message, Test: ev.Test,
			Raised: orderTime(in).UTC(), Received: in.Received.UTC(), State: StateNew, BoxState: "active",
		}
		r, err := b.stmt(b.d.st.insAlarm).ExecContext(b.ctx, a.ID, a.Site, a.Severity, event.Severity(a.Severity).Rank(),
			a.Sensor, a.SensorKind, a.Room, a.Rule, a.Message, a.Test, ms(a.Raised), ms(a.Received))
		if err != nil {
			return nil, fmt.Errorf("alarmdb: add alarm %s: %w", a.ID, err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return nil, nil
		}
		if late {
			if err := b.catchUp(&a); err != nil {
				return nil, err
			}
		}
		return &a, nil
	case ev.Kind == event.AlarmCleared || ev.Kind == event.AlarmCancelled:
		state := "cleared"
		if ev.Kind == event.AlarmCancelled {
			state = "cancelled"
		}
		if _, err := b.stmt(b.d.st.boxState).ExecContext(b.ctx, state, ms(ev.Time), alarmID); err != nil {
			return nil, fmt.Errorf("alarmdb: clear alarm %s: %w", alarmID, err)
		}
	case ev.Kind == event.AlarmEscalated:
		if _, err := b.stmt(b.d.st.escalate).ExecContext(b.ctx, alarmID); err != nil {
			return nil, fmt.Errorf("alarmdb: escalate alarm %s: %w", alarmID, err)
		}
	case maintenanceKinds[ev.Kind]:
		if _, err := b.tx.ExecContext(b.ctx, `INSERT OR IGNORE INTO maintenance(site, sensor, kind, message, since_ms, event_id) VALUES (?,?,?,?,?,?)`,
			in.Site, ev.Sensor, string(ev.Kind), ev.Message, ms(ev.Time), ev.ID); err != nil {
			return nil, fmt.Errorf("alarmdb: add maintenance item: %w", err)
		}
	case ev.Kind == event.SensorRestored || ev.Kind == event.MainsRestored:
		kind := event.SensorFault
		if ev.Kind == event.MainsRestored {
			kind = event.MainsLost
		}
		if _, err := b.tx.ExecContext(b.ctx, `UPDATE maintenance SET cleared_ms = ? WHERE site = ? AND sensor = ? AND kind = ? AND cleared_ms = 0 AND since_ms <= ?`,
			ms(ev.Time), in.Site, ev.Sensor, string(kind), ms(ev.Time)); err != nil {
			return nil, fmt.Errorf("alarmdb: clear maintenance item: %w", err)
		}
	}
	return nil, nil
}

// catchUp applies to a just-added alarm the lifecycle events that overtook
// its raise (a replayed gap): the box's latest clear or cancel, and an
// escalation.
func (b *batch) catchUp(a *Alarm) error {
	rows, err := b.stmt(b.d.st.lateAlarm).QueryContext(b.ctx, a.ID)
	if err != nil {
		return fmt.Errorf("alarmdb: catch up alarm %s: %w", a.ID, err)
	}
	defer rows.Close()
	found := false
	var at int64
	for rows.Next() {
		var kind string
		var t int64
		if err := rows.Scan(&kind, &t); err != nil {
			return fmt.Errorf("alarmdb: catch up alarm %s: %w", a.ID, err)
		}
		found = true
		switch k := event.Kind(kind); k {
		case event.AlarmEscalated:
			a.Escalated = true
		case event.AlarmCleared, event.AlarmCancelled:
			if t >= at {
				at = t
				a.BoxState, a.BoxStateAt = "cleared", fromMS(t)
				if k == event.AlarmCancelled {
					a.BoxState = "cancelled"
				}
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("alarmdb: catch up alarm %s: %w", a.ID, err)
	}
	rows.Close()
	if !found {
		return nil
	}
	if _, err := b.tx.ExecContext(b.ctx, `UPDATE alarms SET box_state = ?, box_state_ms = ?, escalated = ? WHERE id = ?`,
		a.BoxState, ms(a.BoxStateAt), a.Escalated, a.ID); err != nil {
		return fmt.Errorf("alarmdb: catch up alarm %s: %w", a.ID, err)
	}
	return nil
}
