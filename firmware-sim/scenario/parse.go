package scenario

import (
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/safehub-iot/safehub/internal/duration"
	"github.com/safehub-iot/safehub/internal/fileerr"
)

// MaxSize bounds a scenario file; anything larger is refused unread.
const MaxSize = 1 << 20

// Error is one mistake in a scenario file: where (line and field path)
// and what was expected.
type Error = fileerr.Error

// Errors is every mistake found in one file, in line order.
type Errors = fileerr.Errors

// Load parses the scenario file at path.
func Load(path string) (*Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc, err := Parse(f)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", path, err)
	}
	return sc, nil
}

// Parse reads a scenario. Unknown fields are refused; every mistake is
// reported with its line and field, all of them at once.
func Parse(r io.Reader) (*Scenario, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	if len(data) > MaxSize {
		return nil, Errors{{Msg: fmt.Sprintf("file is larger than %d bytes", MaxSize)}}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, Errors{yamlError(err)}
	}
	p := &parser{}
	sc := p.file(&doc)
	if len(p.errs) > 0 {
		p.errs.SortByLine()
		return nil, p.errs
	}
	return sc, nil
}

func yamlError(err error) *Error {
	line, msg := fileerr.YAMLLine(err.Error())
	return &Error{Line: line, Msg: "not valid YAML: " + msg}
}

type parser struct{ errs Errors }

func (p *parser) fail(n *yaml.Node, field, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	p.errs = append(p.errs, &Error{Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// fields walks a mapping node, calling set for each key it knows and
// reporting unknown and repeated keys.
func (p *parser) fields(n *yaml.Node, path string, known []string, set func(key string, v *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		p.fail(n, path, "expected a mapping of %s", strings.Join(known, ", "))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		field := join(path, k.Value)
		switch {
		case k.Kind != yaml.ScalarNode:
			p.fail(k, path, "keys must be plain names")
		case !contains(known, k.Value):
			p.fail(k, field, "unknown field (want one of %s)", strings.Join(known, ", "))
		case seen[k.Value]:
			p.fail(k, field, "given twice")
		default:
			seen[k.Value] = true
			set(k.Value, v)
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (p *parser) str(n *yaml.Node, field string) string {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.fail(n, field, "expected a string")
		return ""
	}
	return n.Value
}

func (p *parser) dur(n *yaml.Node, field string) time.Duration {
	if n.Kind != yaml.ScalarNode {
		p.fail(n, field, "expected %s", duration.Want)
		return 0
	}
	d, err := duration.Parse(n.Value)
	if err != nil || d < 0 {
		p.fail(n, field, "%s", &duration.SyntaxError{Text: n.Value})
		return 0
	}
	return d
}

func (p *parser) num(n *yaml.Node, field string) float64 {
	if n.Kind == yaml.ScalarNode {
		if v, err := strconv.ParseFloat(n.Value, 64); err == nil && !math.IsNaN(v) && !math.IsInf(v, 0) {
			return v
		}
	}
	p.fail(n, field, "expected a number, got %q", n.Value)
	return 0
}

func (p *parser) count(n *yaml.Node, field string) int {
	if n.Kind == yaml.ScalarNode {
		if v, err := strconv.Atoi(n.Value); err == nil && v >= 0 && v <= 1000000 {
			return v
		}
	}
	p.fail(n, field, "expected a whole number from 0 to 1000000, got %q", n.Value)
	return 0
}

var clockRE = regexp.MustCompile(`^(?:(\d{4}-\d{2}-\d{2})[ T])?(\d{1,2}):(\d{2})(?::(\d{2}))?$`)

// start parses "23:30", "07:00:05" or "2026-03-29 01:30".
func (p *parser) start(n *yaml.Node, sc *Scenario) {
	m := clockRE.FindStringSubmatch(n.Value)
	if n.Kind != yaml.ScalarNode || m == nil {
		p.fail(n, "start", "expected a local time of day such as 23:30, or a date and time such as 2026-03-29 01:30, got %q", n.Value)
		return
	}
	h, _ := strconv.Atoi(m[2])
	mi, _ := strconv.Atoi(m[3])
	s := 0
	if m[4] != "" {
		s, _ = strconv.Atoi(m[4])
	}
	if h > 23 || mi > 59 || s > 59 {
		p.fail(n, "start", "%q is not a time of day (want 00:00 to 23:59)", n.Value)
		return
	}
	sc.Start = time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute + time.Duration(s)*time.Second
	if m[1] != "" {
		day, err := time.Parse("2006-01-02", m[1])
		if err != nil {
			p.fail(n, "start", "%q is not a date (want YYYY-MM-DD)", m[1])
			return
		}
		sc.Day = day
	}
}

func (p *parser) file(doc *yaml.Node) *Scenario {
	sc := &Scenario{}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		p.fail(nil, "", "empty file: want name, duration, steps and expect")
		return sc
	}
	root := doc.Content[0]
	var durNode, stepsNode *yaml.Node
	p.fields(root, "", []string{"name", "description", "start", "duration", "steps", "expect"}, func(k string, v *yaml.Node) {
		switch k {
		case "name":
			sc.Name = p.str(v, k)
		case "description":
			sc.Description = p.str(v, k)
		case "start":
			p.start(v, sc)
		case "duration":
			durNode = v
			sc.Duration = p.dur(v, k)
		case "steps":
			stepsNode = v
			sc.Steps = p.steps(v)
		case "expect":
			sc.Expect = p.expect(v)
		}
	})
	if root.Kind != yaml.MappingNode {
		return sc
	}
	if sc.Name == "" {
		p.fail(root, "name", "required: a short name for the scenario")
	}
	switch {
	case durNode == nil:
		p.fail(root, "duration", "required: how long the scenario runs, e.g. 30m")
	case sc.Duration <= 0 || sc.Duration > 7*24*time.Hour:
		p.fail(durNode, "duration", "%v is out of range: want more than 0 and at most 168h", sc.Duration)
	}
	if stepsNode == nil {
		p.fail(root, "steps", "required: the timeline (a list of steps)")
	}
	for i, st := range sc.Steps {
		if end := st.At + st.For; sc.Duration > 0 && end > sc.Duration {
			p.fail(stepNode(stepsNode, i), fmt.Sprintf("steps[%d].at", i), "step ends at %v, after the scenario's duration %v", end, sc.Duration)
		}
	}
	return sc
}

func stepNode(steps *yaml.Node, i int) *yaml.Node {
	if steps != nil && i < len(steps.Content) {
		return steps.Content[i]
	}
	return nil
}

var stepFields = []string{"at", "do", "device", "ppm", "celsius", "over", "for", "fault"}

func (p *parser) steps(n *yaml.Node) []Step {
	if n.Kind != yaml.SequenceNode {
		p.fail(n, "steps", "expected a list of steps")
		return nil
	}
	var out []Step
	for i, sn := range n.Content {
		path := fmt.Sprintf("steps[%d]", i)
		st := Step{Line: sn.Line}
		given := map[string]*yaml.Node{}
		p.fields(sn, path, stepFields, func(k string, v *yaml.Node) {
			given[k] = v
			f := join(path, k)
			switch k {
			case "at":
				st.At = p.dur(v, f)
			case "do":
				st.Do = Action(p.str(v, f))
			case "device":
				st.Device = p.str(v, f)
			case "ppm", "celsius":
				st.Value = p.num(v, f)
			case "over":
				st.Over = p.dur(v, f)
			case "for":
				st.For = p.dur(v, f)
			case "fault":
				st.Fault = p.str(v, f)
			}
		})
		if sn.Kind == yaml.MappingNode {
			p.checkStep(sn, path, &st, given)
		}
		out = append(out, st)
	}
	return out
}

func (p *parser) checkStep(n *yaml.Node, path string, st *Step, given map[string]*yaml.Node) {
	if given["at"] == nil {
		p.fail(n, path+".at", "required: when the step happens, as an offset from the start, e.g. 5m")
	}
	if given["do"] == nil {
		p.fail(n, path+".do", "required: what happens (one of %s)", strings.Join(Actions(), ", "))
		return
	}
	spec, ok := actions[st.Do]
	if !ok {
		p.fail(given["do"], path+".do", "unknown action %q (want one of %s)", st.Do, strings.Join(Actions(), ", "))
		return
	}
	if spec.device && st.Device == "" && given["device"] == nil {
		p.fail(n, path+".device", "required for %s: the sensor id from the home's config", st.Do)
	}
	if !spec.device && given["device"] != nil {
		p.fail(given["device"], path+".device", "%s concerns the whole home, not one device", st.Do)
	}
	for _, vf := range []string{"ppm", "celsius"} {
		if given[vf] != nil && spec.value != vf {
			p.fail(given[vf], path+"."+vf, "not used by %s", st.Do)
		}
	}
	if spec.value != "" && given[spec.value] == nil {
		p.fail(n, path+"."+spec.value, "required for %s", st.Do)
	}
	if spec.value == "ppm" && given["ppm"] != nil && (st.Value < 0 || st.Value > 100000) {
		p.fail(given["ppm"], path+".ppm", "%g is out of range: want 0 to 100000", st.Value)
	}
	if spec.value == "celsius" && given["celsius"] != nil && (st.Value < -40 || st.Value > 85) {
		p.fail(given["celsius"], path+".celsius", "%g is out of range: want -40 to 85 (the BME280's range)", st.Value)
	}
	if given["over"] != nil && !spec.over {
		p.fail(given["over"], path+".over", "not used by %s (only gas and temperature ramp)", st.Do)
	}
	if given["for"] != nil && !spec.forField {
		p.fail(given["for"], path+".for", "not used by %s", st.Do)
	}
	if spec.forField && given["for"] == nil {
		st.For = spec.defFor
	}
	if spec.forField && given["for"] != nil && st.For == 0 {
		p.fail(given["for"], path+".for", "must be more than 0")
	}
	if spec.fault && given["fault"] == nil {
		p.fail(n, path+".fault", "required for %s: the fault mode, e.g. nack", st.Do)
	}
	if !spec.fault && given["fault"] != nil {
		p.fail(given["fault"], path+".fault", "not used by %s", st.Do)
	}
}

var alarmStates = []string{"active", "cleared", "cancelled"}
var severities = []string{"critical", "high", "medium", "low", "info"}

func (p *parser) expect(n *yaml.Node) Expect {
	var e Expect
	p.fields(n, "expect", []string{"alarms", "no_alarms", "events", "no_events", "other_alarms"}, func(k string, v *yaml.Node) {
		path := "expect." + k
		switch k {
		case "alarms":
			e.Alarms = p.matches(v, path, false)
		case "no_alarms":
			e.NoAlarms = p.matches(v, path, false)
			for i, m := range e.NoAlarms {
				if m.Count != 0 || m.State != "" {
					p.fail(v.Content[i], fmt.Sprintf("%s[%d]", path, i), "count and state mean nothing for an alarm that must not arrive")
				}
			}
		case "events":
			e.Events = p.matches(v, path, true)
		case "no_events":
			e.NoEvents = p.matches(v, path, true)
			for i, m := range e.NoEvents {
				if m.Count != 0 {
					p.fail(v.Content[i], fmt.Sprintf("%s[%d]", path, i), "count means nothing for an event that must not arrive")
				}
			}
		case "other_alarms":
			if s := p.str(v, path); s != "" && s != "allow" && s != "forbid" {
				p.fail(v, path, "expected allow or forbid, got %q", s)
			} else {
				e.OtherAlarms = s == "allow"
			}
		}
	})
	return e
}

func (p *parser) matches(n *yaml.Node, path string, events bool) []Match {
	if n.Kind != yaml.SequenceNode {
		p.fail(n, path, "expected a list")
		return nil
	}
	known := []string{"rule", "sensor", "sensor_kind", "severity", "state", "count"}
	if events {
		known = []string{"kind", "sensor", "sensor_kind", "severity", "count"}
	}
	var out []Match
	for i, mn := range n.Content {
		mp := fmt.Sprintf("%s[%d]", path, i)
		m := Match{Line: mn.Line}
		p.fields(mn, mp, known, func(k string, v *yaml.Node) {
			f := join(mp, k)
			switch k {
			case "rule":
				m.Rule = p.str(v, f)
			case "sensor":
				m.Sensor = p.str(v, f)
			case "sensor_kind":
				m.SensorKind = p.str(v, f)
			case "kind":
				m.Kind = p.str(v, f)
			case "severity":
				if m.Severity = p.str(v, f); m.Severity != "" && !contains(severities, m.Severity) {
					p.fail(v, f, "unknown severity %q (want %s)", m.Severity, strings.Join(severities, ", "))
				}
			case "state":
				if m.State = p.str(v, f); m.State != "" && !contains(alarmStates, m.State) {
					p.fail(v, f, "unknown alarm state %q (want %s)", m.State, strings.Join(alarmStates, ", "))
				}
			case "count":
				m.Count = p.count(v, f)
			}
		})
		if mn.Kind == yaml.MappingNode && m.Rule == "" && m.Sensor == "" && m.SensorKind == "" && m.Kind == "" {
			p.fail(mn, mp, "names nothing: give at least one of %s", strings.Join(known[:3], ", "))
		}
		out = append(out, m)
	}
	return out
}
