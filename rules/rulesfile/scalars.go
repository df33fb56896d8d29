package rulesfile

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/internal/duration"
	"github.com/safehub-iot/safehub/rules"
)

// maxDuration bounds every duration: longer ones are typos (400h for 4h).
const maxDuration = 7 * 24 * time.Hour

func (p *parser) scalar(n *yaml.Node, path, want string) (string, bool) {
	if n == nil {
		return "", false
	}
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.errf(n, path, "want %s, got %s", want, describe(n))
		return "", false
	}
	return n.Value, true
}

func (p *parser) str(n *yaml.Node, path string) string {
	s, _ := p.scalar(n, path, "a string")
	return s
}

func (p *parser) num(n *yaml.Node, path string) float64 {
	s, ok := p.scalar(n, path, "a number")
	if !ok {
		return 0
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		p.errf(n, path, "want a number, got %q", s)
		return 0
	}
	return v
}

func (p *parser) boolean(n *yaml.Node, path string) bool {
	s, ok := p.scalar(n, path, "true or false")
	if !ok {
		return false
	}
	switch s {
	case "true":
		return true
	case "false":
		return false
	}
	p.errf(n, path, "want true or false, got %q", s)
	return false
}

func (p *parser) dur(n *yaml.Node, path string, positive bool) time.Duration {
	s, ok := p.scalar(n, path, "a duration such as 30s, 10m or 4h")
	if !ok {
		return 0
	}
	d, err := duration.Parse(s)
	switch {
	case err != nil:
		p.errf(n, path, "want a duration such as 30s, 10m or 4h, got %q", s)
	case d < 0 || (positive && d == 0):
		p.errf(n, path, "want a duration above zero, got %q", s)
	case d > maxDuration:
		p.errf(n, path, "%s is longer than %s", d, maxDuration)
	default:
		return d
	}
	return 0
}

func (p *parser) severity(n *yaml.Node, path string, k rules.Kind) event.Severity {
	if n == nil {
		switch k {
		case rules.Digital, rules.Fall:
			return event.Critical
		case rules.Health:
			return ""
		}
		return event.High
	}
	s, ok := p.scalar(n, path, "a severity")
	if !ok {
		return event.High
	}
	sev, err := event.ParseSeverity(s)
	if err != nil {
		p.errf(n, path, "%v", err)
		return event.High
	}
	return sev
}

// sensorList reads a list of sensor ids, each of which must be configured.
func (p *parser) sensorList(n *yaml.Node, path string, required bool) []string {
	if n == nil {
		if required {
			p.errs = append(p.errs, &Error{Field: path, Msg: "missing (want a list of sensor ids)"})
		}
		return nil
	}
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	if len(items) == 0 && required {
		p.errf(n, path, "empty (want at least one sensor id)")
	}
	var ids []string
	for i, it := range items {
		ip := fmt.Sprintf("%s[%d]", path, i)
		id, ok := p.scalar(it, ip, "a sensor id")
		if !ok {
			continue
		}
		switch {
		case slices.Contains(ids, id):
			p.errf(it, ip, "sensor %q listed twice", id)
		case p.env.Sensors[id] == "":
			p.errf(it, ip, "unknown sensor %q (configured: %s)", id, p.known())
		default:
			ids = append(ids, id)
		}
	}
	return ids
}

func (p *parser) known() string {
	ids := make([]string, 0, len(p.env.Sensors))
	for id := range p.env.Sensors {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ", ")
}

// kinds reports the ids in n whose sensor kind is not allowed here.
func (p *parser) kinds(n *yaml.Node, path string, ids []string, allowed []event.SensorKind) {
	if n == nil {
		return
	}
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	for i, it := range items {
		kind, ok := p.env.Sensors[it.Value]
		if !ok || !slices.Contains(ids, it.Value) || slices.Contains(allowed, event.SensorKind(kind)) {
			if !ok && n.Kind == yaml.ScalarNode && it.Value != "" {
				p.errf(it, path, "unknown sensor %q (configured: %s)", it.Value, p.known())
			}
			continue
		}
		ip := path
		if n.Kind == yaml.SequenceNode {
			ip = fmt.Sprintf("%s[%d]", path, i)
		}
		p.errf(it, ip, "sensor %q is of kind %s; want one of %s", it.Value, kind, event.JoinSensorKinds(allowed, ", "))
	}
}

// window reads "HH:MM-HH:MM" in local clock time.
func (p *parser) window(n, parent *yaml.Node, path string) rules.Window {
	const want = `a daily window such as "07:00-11:00" or "23:00-06:00"`
	if n == nil {
		p.errf(parent, path, "missing (want %s)", want)
		return rules.Window{}
	}
	s, ok := p.scalar(n, path, want)
	if !ok {
		return rules.Window{}
	}
	from, to, found := strings.Cut(s, "-")
	a, okA := clock(strings.TrimSpace(from))
	b, okB := clock(strings.TrimSpace(to))
	if !found || !okA || !okB {
		p.errf(n, path, "want %s, got %q", want, s)
		return rules.Window{}
	}
	if a == b {
		p.errf(n, path, "window %q is empty", s)
		return rules.Window{}
	}
	return rules.Window{From: a, To: b}
}

func clock(s string) (int, bool) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) < 1 || len(h) > 2 || len(m) != 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, false
	}
	return hh*60 + mm, true
}
