// Package fileerr is the error for a file a person writes by hand: the
// box's config, its rules file, a simulator scenario. Each mistake names
// its file (when known), line and field path, so a technician can go
// straight to it, and a file's mistakes are reported all at once (Errors).
// The parsers of those files alias these types (config.Error,
// rulesfile.Error, scenario.Error) and fill them; this package knows
// nothing of YAML beyond the shape of its messages (YAMLLine).
package fileerr

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Error is one mistake in a file: where (file, line, field path) and what
// was expected.
type Error struct {
	File  string // empty when read from a reader or not yet known
	Line  int    // 1-based; 0 when unknown
	Field string // field path, e.g. "sensors[2].options.pin"; "" for the file as a whole
	Msg   string
}

// Error reads "file:3: field: msg", or "line 3: field: msg" without a
// file; parts that are unknown are left out.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(":")
	}
	switch {
	case e.Line > 0 && e.File != "":
		fmt.Fprintf(&b, "%d:", e.Line)
	case e.Line > 0:
		fmt.Fprintf(&b, "line %d:", e.Line)
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every mistake found in one file, one per line of its message.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As find each *Error.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// SortByLine puts es in line order, keeping the order in which mistakes
// on one line were found.
func (es Errors) SortByLine() {
	slices.SortStableFunc(es, func(a, b *Error) int { return a.Line - b.Line })
}

// YAMLLine splits one of yaml.v3's messages, "yaml: line 3: found a tab"
// (the "yaml: " may be missing), into its line and the rest. A message that
// names no line gives line 0 and the message without "yaml: ".
func YAMLLine(msg string) (int, string) {
	s := strings.TrimPrefix(msg, "yaml: ")
	if rest, ok := strings.CutPrefix(s, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if n, err := strconv.Atoi(num); err == nil {
				return n, text
			}
		}
	}
	return 0, s
}
