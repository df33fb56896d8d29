package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/safehub-iot/safehub/center/alarmdb"
	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/firmware-sim/district"
)

// missing sorts the presses whose alarm is not in the console by where
// the alarm stopped: a press the box never turned into an alarm (e.g. one
// debounced away while its goroutine was starved), an alarm still in the
// box's outbox, or one the broker accepted (PUBACK) that never reached the
// center's database: the only real loss.
type missing struct {
	// late: at the center by the time they were looked up (they arrived
	// during the diagnosis).
	notRaised, unsent, brokerOnly, late int
	// examples describe up to 3 alarms of each kind.
	examples map[string][]string
}

func (m missing) String() string {
	s := fmt.Sprintf("%d presses the boxes never raised, %d alarms still in their outboxes, %d accepted by the broker (PUBACK) but not at the center",
		m.notRaised, m.unsent, m.brokerOnly)
	if m.late > 0 {
		s += fmt.Sprintf(", %d arrived while this was looked up", m.late)
	}
	return s
}

func (m *missing) example(kind, format string, args ...any) {
	if m.examples == nil {
		m.examples = map[string][]string{}
	}
	if len(m.examples[kind]) < 3 {
		m.examples[kind] = append(m.examples[kind], fmt.Sprintf(format, args...))
	}
}

// diagnoseMissing looks up every home with presses not yet matched, in its
// own store and in the center's database.
func diagnoseMissing(ctx context.Context, d *district.District, tr *tracker, db *alarmdb.DB) (missing, error) {
	var m missing
	pending, presses := tr.bySite()
	sites := make([]string, 0, len(pending))
	for s := range pending {
		sites = append(sites, s)
	}
	sort.Strings(sites)
	homes := make(map[string]*district.Home, len(d.Homes))
	for _, h := range d.Homes {
		homes[h.Site] = h
	}
	for _, site := range sites {
		h := homes[site]
		if h == nil {
			return m, fmt.Errorf("diagnose %s: no such home", site)
		}
		evs, err := h.Store.Events(ctx, 0, 1<<20)
		if err != nil {
			return m, fmt.Errorf("diagnose %s: %w", site, err)
		}
		var raised []event.Event
		for _, ev := range evs {
			if ev.Kind == event.AlarmRaised {
				raised = append(raised, ev)
			}
		}
		left := pending[site]
		if n := presses[site] - len(raised); n > 0 {
			m.notRaised += n
			left -= n
			m.example("not raised", "%s: pressed %d times, raised %d alarms", site, presses[site], len(raised))
		}
		for _, ev := range raised {
			_, err := db.Alarm(ctx, ev.ID)
			if err == nil {
				continue
			}
			if !errors.Is(err, alarmdb.ErrNotFound) {
				return m, fmt.Errorf("diagnose %s: %w", site, err)
			}
			left--
			published, _, err := h.Store.AlarmTimes(ctx, ev.ID)
			if err != nil {
				return m, fmt.Errorf("diagnose %s: %w", site, err)
			}
			if published.IsZero() {
				m.unsent++
				m.example("unsent", "%s: alarm %s (seq %d) not yet accepted by the broker", site, ev.ID, ev.Seq)
				continue
			}
			m.brokerOnly++
			seen, err := centerKnows(ctx, db, site, ev)
			if err != nil {
				return m, err
			}
			m.example("broker", "%s: alarm %s (seq %d) accepted by the broker at %s, not at the center; the center has %s",
				site, ev.ID, ev.Seq, published.Format("15:04:05.000"), seen)
		}
		if left > 0 {
			m.late += left
		}
	}
	return m, nil
}

// centerKnows says what the center holds of a home around an alarm it
// lacks: the alarm's other events, the home's highest sequence number, and
// its open gaps.
func centerKnows(ctx context.Context, db *alarmdb.DB, site string, ev event.Event) (string, error) {
	hist, err := db.History(ctx, site, 0)
	if err != nil {
		return "", fmt.Errorf("diagnose %s: %w", site, err)
	}
	var same []string
	for _, in := range hist {
		if in.Event.AlarmID == ev.ID {
			same = append(same, fmt.Sprintf("%s seq %d", in.Event.Kind, in.Event.Seq))
		}
	}
	gaps, err := db.Gaps(ctx, site)
	if err != nil {
		return "", fmt.Errorf("diagnose %s: %w", site, err)
	}
	var gs []string
	for _, g := range gaps {
		gs = append(gs, fmt.Sprintf("%d..%d", g.From, g.To))
	}
	var maxSeq int64
	if len(hist) > 0 {
		maxSeq = hist[0].Event.Seq
	}
	return fmt.Sprintf("%d events of the home up to seq %d, of this alarm [%s], open gaps [%s]",
		len(hist), maxSeq, strings.Join(same, ", "), strings.Join(gs, " ")), nil
}

func printMissing(out io.Writer, name string, m missing) {
	fmt.Fprintf(out, "%s: not in the console: %s\n", name, m)
	for _, kind := range []string{"not raised", "unsent", "broker"} {
		for _, e := range m.examples[kind] {
			fmt.Fprintf(out, "  %s\n", e)
		}
	}
}
