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
