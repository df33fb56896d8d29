package config

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/safehub-iot/safehub/internal/fileerr"
)

// Error is one mistake in a config file: where (field path and line) and
// what was expected.
type Error = fileerr.Error

// Errors is every mistake found in one file, in line order.
type Errors = fileerr.Errors

// orNil returns nil for an empty list, so callers can return it as an
// error; otherwise the list in line order, by field path within a line.
func orNil(es Errors) error {
	if len(es) == 0 {
		return nil
	}
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].Line != es[j].Line {
			return es[i].Line < es[j].Line
		}
		return es[i].Field < es[j].Field
	})
	return es
}

// fromYAMLMessage turns one of yaml.v3's "line N: msg" strings into an Error.
func fromYAMLMessage(path, s string) *Error {
	line, msg := fileerr.YAMLLine(s)
	return &Error{Field: path, Line: line, Msg: tidyYAML(msg)}
}

// tidyYAML rewrites yaml.v3's Go-flavoured type errors for a technician:
// "cannot unmarshal !!str `abc` into int" becomes "expected a whole number,
// got "abc"".
func tidyYAML(msg string) string {
	msg = strings.TrimPrefix(msg, "yaml: ")
	m := regexp.MustCompile("cannot unmarshal !!(\\w+)(?: `(.*)`)? into (.+)$").FindStringSubmatch(msg)
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
	if m[2] == "" {
		return fmt.Sprintf("expected %s, got %s", want, yamlKind(m[1]))
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
