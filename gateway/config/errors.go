package config

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Error is one mistake in a config file: where (field path and line) and
// what was expected.
type Error struct {
	Path string // e.g. "sensors[2].options.pin"
	Line int    // 1-based; 0 when unknown
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every mistake found in one file, in line order.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

func (es Errors) sorted() Errors {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].Line != es[j].Line {
			return es[i].Line < es[j].Line
		}
		return es[i].Path < es[j].Path
	})
	return es
}

// orNil returns nil for an empty list, so callers can return it as an error.
func (es Errors) orNil() error {
	if len(es) == 0 {
		return nil
	}
	return es.sorted()
}

var yamlLine = regexp.MustCompile(`^line (\d+): (.*)$`)

// fromYAMLMessage turns one of yaml.v3's "line N: msg" strings into an Error.
func fromYAMLMessage(path, s string) *Error {
	if m := yamlLine.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		return &Error{Path: path, Line: n, Msg: tidyYAML(m[2])}
	}
	return &Error{Path: path, Msg: tidyYAML(s)}
}

// tidyYAML rewrites yaml.v3's Go-flavoured type errors for a technician:
// "cannot unmarshal !!str `abc` into int" becomes "expected a whole number,
// got "abc"".
func tidyYAML(msg string) string {
	msg = strings.TrimPrefix(msg, "yaml: ")
	m := regexp.MustCompile("cannot unmarshal !!(\\w+) `(.*)` into (.+)$").FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	want := m[3]
	switch {
	case strings.HasPrefix(want, "int"), strings.HasPrefix(want, "uint"):
		want = "a whole number"
	case strings.HasPrefix(want, "float"):
		want = "a number"
	case want == "bool":
		want = "true or false"
	case want == "string":
		want = "a text value"
	case strings.HasPrefix(want, "[]"):
		want = "a list"
	case strings.HasPrefix(want, "map["), strings.Contains(want, "."):
		want = "a mapping (key: value lines)"
	}
	return fmt.Sprintf("expected %s, got %s %q", want, yamlKind(m[1]), m[2])
}

func yamlKind(tag string) string {
	switch tag {
	case "str":
		return "text"
	case "int", "float":
		return "number"
	case "seq":
		return "a list"
	case "map":
		return "a mapping"
	}
	return tag
}
