package scenario

import (
	"fmt"
	"strings"

	"github.com/safehub-iot/safehub/event"
	"gopkg.in/yaml.v3"
)

// The steps and expectations of a scenario file.

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
				if m.Count != 0 || m.State != "" || m.RepeatsSet {
					p.fail(v.Content[i], fmt.Sprintf("%s[%d]", path, i), "count, state and repeats mean nothing for an alarm that must not arrive")
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
	known := []string{"rule", "sensor", "sensor_kind", "severity", "state", "repeats", "count"}
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
				if m.Severity = p.str(v, f); m.Severity != "" && event.Severity(m.Severity).Rank() >= len(event.Severities()) {
					p.fail(v, f, "unknown severity %q (want %s)", m.Severity, joinSeverities())
				}
			case "state":
				if m.State = p.str(v, f); m.State != "" && !contains(alarmStates, m.State) {
					p.fail(v, f, "unknown alarm state %q (want %s)", m.State, strings.Join(alarmStates, ", "))
				}
			case "repeats":
				m.Repeats, m.RepeatsSet = p.count(v, f), true
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

// joinSeverities lists the severities for an error message.
func joinSeverities() string {
	var s []string
	for _, v := range event.Severities() {
		s = append(s, string(v))
	}
	return strings.Join(s, ", ")
}
