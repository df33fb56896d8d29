package rulesfile

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/internal/fileerr"
	"github.com/safehub-iot/safehub/rules"
)

type parser struct {
	env  Env
	loc  *time.Location
	errs Errors
}

func (p *parser) errf(n *yaml.Node, path, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	p.errs = append(p.errs, &Error{Line: line, Field: path, Msg: fmt.Sprintf(format, args...)})
}

// fields returns a mapping's values by key, reporting duplicates and keys
// not in allowed.
func (p *parser) fields(n *yaml.Node, path string, allowed []string) map[string]*yaml.Node {
	if n.Kind != yaml.MappingNode {
		p.errf(n, path, "want a mapping of fields, got %s", describe(n))
		return nil
	}
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		fp := join(path, k.Value)
		switch {
		case !slices.Contains(allowed, k.Value):
			p.errf(k, fp, "unknown field (want one of %s)", strings.Join(allowed, ", "))
		case out[k.Value] != nil:
			p.errf(k, fp, "field given twice (first on line %d)", out[k.Value].Line)
		default:
			out[k.Value] = v
		}
	}
	return out
}

func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	return strconv.Quote(n.Value)
}

func (p *parser) parse(data []byte) *File {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line, msg := yamlLine(err)
		p.errs = append(p.errs, &Error{Line: line, Msg: msg})
		return nil
	}
	if len(doc.Content) == 0 {
		p.errf(&doc, "", "empty rules file (want a mapping with a rules list)")
		return nil
	}
	top := p.fields(doc.Content[0], "", []string{"timezone", "rules"})
	if top == nil {
		return nil
	}
	if n := top["timezone"]; n != nil {
		name := p.str(n, "timezone")
		if loc, err := time.LoadLocation(name); err != nil || name == "" {
			p.errf(n, "timezone", "unknown timezone %q (want an IANA name such as Europe/Berlin)", name)
		} else {
			p.loc = loc
		}
	}
	n := top["rules"]
	if n == nil {
		p.errf(doc.Content[0], "rules", "missing (want a list of rules)")
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.errf(n, "rules", "want a list of rules, got %s", describe(n))
		return nil
	}
	f := &File{Location: p.loc}
	ids := map[string]int{}
	health := map[string]string{}
	for i, rn := range n.Content {
		path := fmt.Sprintf("rules[%d]", i)
		r, ok := p.rule(rn, path)
		if line, dup := ids[r.ID]; dup && r.ID != "" {
			p.errf(rn, path+".id", "id %q already used on line %d", r.ID, line)
			continue
		}
		ids[r.ID] = rn.Line
		if !ok {
			continue
		}
		if r.Kind == rules.Health {
			for _, s := range r.Sensors {
				if other, dup := health[s]; dup {
					p.errf(rn, path+".sensors", "sensor %q already watched by health rule %q", s, other)
				}
				health[s] = r.ID
			}
		}
		f.Rules = append(f.Rules, r)
	}
	return f
}

// yamlLine splits a yaml.v3 syntax error ("yaml: line 3: found a tab")
// into its line and message.
func yamlLine(err error) (int, string) {
	line, msg := fileerr.YAMLLine(err.Error())
	return line, "invalid YAML: " + msg
}

var common = []string{"id", "kind", "severity", "message", "siren", "escalate", "sensors"}

var kindFields = map[rules.Kind][]string{
	rules.Digital:    {"until", "hold"},
	rules.Threshold:  {"quantity", "above", "below", "clear_below", "clear_above", "raise_after", "clear_after"},
	rules.Inactivity: {"window", "quiet"},
	rules.NightDoor:  {"door", "inside", "window", "within"},
	rules.Fall:       {"cancel_window", "cancel_by"},
	rules.Health:     {"stale_after", "chatter"},
}

// Sensor kinds each rule kind may watch.
var (
	digitalKinds  = []event.SensorKind{event.CallButton, event.Pendant, event.Smoke, event.Door, event.Motion, event.MainsPower}
	activityKinds = []event.SensorKind{event.Motion, event.Door, event.CallButton, event.Pendant, event.Fall}
	buttonKinds   = []event.SensorKind{event.CallButton, event.Pendant}
	fallKinds     = []event.SensorKind{event.Fall}
	doorKinds     = []event.SensorKind{event.Door}
	insideKinds   = []event.SensorKind{event.Motion, event.Fall}
	quantityKinds = map[string][]event.SensorKind{
		gateway.QGas: {event.Gas}, gateway.QTemperature: {event.Climate},
		gateway.QHumidity: {event.Climate}, gateway.QPressure: {event.Climate},
	}
)

func (p *parser) rule(n *yaml.Node, path string) (rules.Rule, bool) {
	var r rules.Rule
	before := len(p.errs)
	// Read kind first: it decides which fields are allowed.
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "kind" {
				r.Kind = rules.Kind(n.Content[i+1].Value)
			}
		}
	}
	extra, known := kindFields[r.Kind]
	f := p.fields(n, path, append(slices.Clone(common), extra...))
	if f == nil {
		return r, false
	}
	if f["kind"] == nil {
		p.errf(n, path+".kind", "missing (want digital, threshold, inactivity, night_door, fall or health)")
	} else if !known {
		p.errf(f["kind"], path+".kind", "unknown kind %q (want digital, threshold, inactivity, night_door, fall or health)", r.Kind)
		return r, false
	}
	if r.ID = p.str(f["id"], path+".id"); f["id"] == nil {
		p.errf(n, path+".id", "missing (want a short name such as gas-kitchen)")
	} else if !validID(r.ID) {
		p.errf(f["id"], path+".id", "%q: want letters, digits, '-', '_' or '.'", r.ID)
	}
	r.Message = p.str(f["message"], path+".message")
	r.Siren = p.boolean(f["siren"], path+".siren")
	r.Severity = p.severity(f["severity"], path+".severity", r.Kind)
	if e := f["escalate"]; e != nil {
		ef := p.fields(e, path+".escalate", []string{"after", "repeat", "siren"})
		if ef != nil {
			r.Escalate.After = p.dur(ef["after"], path+".escalate.after", true)
			r.Escalate.Repeat = p.dur(ef["repeat"], path+".escalate.repeat", false)
			r.Escalate.Siren = p.boolean(ef["siren"], path+".escalate.siren")
		}
		if r.Kind == rules.Health {
			p.errf(e, path+".escalate", "health rules report faults, which do not escalate")
		}
	}
	if r.Kind != rules.NightDoor {
		r.Sensors = p.sensorList(f["sensors"], path+".sensors", true)
	} else if f["sensors"] != nil {
		p.errf(f["sensors"], path+".sensors", "night_door rules name door and inside instead")
	}
	switch r.Kind {
	case rules.Digital:
		p.digital(&r, f, path)
	case rules.Threshold:
		p.threshold(&r, n, f, path)
	case rules.Inactivity:
		p.kinds(f["sensors"], path+".sensors", r.Sensors, activityKinds)
		r.Window = p.window(f["window"], n, path+".window")
		r.Quiet = p.dur(f["quiet"], path+".quiet", true)
		if f["quiet"] != nil && r.Quiet > r.Window.Nominal() && r.Window != (rules.Window{}) {
			p.errf(f["quiet"], path+".quiet", "%s is longer than the window %s", f["quiet"].Value, r.Window)
		}
		if f["quiet"] == nil {
			p.errf(n, path+".quiet", "missing (want how long without activity, such as 4h)")
		}
	case rules.NightDoor:
		p.nightDoor(&r, n, f, path)
	case rules.Fall:
		p.kinds(f["sensors"], path+".sensors", r.Sensors, fallKinds)
		r.CancelWindow = p.dur(f["cancel_window"], path+".cancel_window", false)
		r.CancelBy = p.sensorList(f["cancel_by"], path+".cancel_by", false)
		p.kinds(f["cancel_by"], path+".cancel_by", r.CancelBy, buttonKinds)
		if len(r.CancelBy) > 0 && r.CancelWindow == 0 {
			p.errf(f["cancel_by"], path+".cancel_by", "needs a cancel_window")
		}
	case rules.Health:
		p.health(&r, n, f, path)
	}
	return r, len(p.errs) == before
}

func validID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
