package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// dropDuplicateKeys reports each key written twice in one mapping, with its
// field path and both lines, and removes the later copy from the node, so
// the rest of the file still decodes (and nothing it sets is reported as
// missing).
func dropDuplicateKeys(n *yaml.Node, path string, errs *Errors) {
	if n == nil {
		return
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			dropDuplicateKeys(c, path, errs)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			dropDuplicateKeys(c, fmt.Sprintf("%s[%d]", path, i), errs)
		}
	case yaml.MappingNode:
		seen := map[string]int{}
		kept := n.Content[:0]
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			if first, dup := seen[k.Value]; dup {
				*errs = append(*errs, &Error{Field: p, Line: k.Line, Msg: fmt.Sprintf("written twice (first at line %d): keep one", first)})
				continue
			}
			seen[k.Value] = k.Line
			dropDuplicateKeys(v, p, errs)
			kept = append(kept, k, v)
		}
		n.Content = kept
	}
}

var typeErrValue = regexp.MustCompile("^line ([0-9]+): cannot unmarshal (!!\\w+)(?: `(.*)`)? into ")

// fieldOf names the field a yaml.v3 type error ("line 6: cannot unmarshal
// !!str `lots` into int") is about: the path of the value on that line
// with that text, found under n (whose path is path); "" when none is.
func fieldOf(n *yaml.Node, path, msg string) string {
	m := typeErrValue.FindStringSubmatch(msg)
	if m == nil {
		return ""
	}
	line, _ := strconv.Atoi(m[1])
	return findValue(n, path, line, m[2], m[3])
}

// findValue finds the node on line with tag and (for a scalar) value.
func findValue(n *yaml.Node, path string, line int, tag, value string) string {
	if n.Line == line && n.Tag == tag && (n.Kind != yaml.ScalarNode || n.Value == value) {
		return path
	}
	switch n.Kind {
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if p := findValue(c, fmt.Sprintf("%s[%d]", path, i), line, tag, value); p != "" {
				return p
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if p := findValue(n.Content[i+1], join(path, n.Content[i].Value), line, tag, value); p != "" {
				return p
			}
		}
	}
	return ""
}

// syntaxHints rewrites yaml.v3's syntax messages for a technician; the
// parser's own words follow in parentheses.
var syntaxHints = []struct{ raw, hint string }{
	{"found a tab character", "a tab is used for indentation: indent with spaces only"},
	{"found unexpected end of stream", "the file ends inside a quoted value or a [ ] or { } list: a closing quote or bracket is missing at or after this line"},
	{"did not find expected key", "the indentation does not line up, or a [ ] or { } is not closed, in the block starting at this line"},
	{"mapping values are not allowed in this context", "a second ':' on the line: put the value in quotes if it contains ': '"},
	{"could not find expected ':'", "expected key: value"},
	{"did not find expected '-' indicator", "a list item is not indented like the ones before it"},
	{"found character that cannot start any token", "a value starts with a character YAML reserves (such as @ or `): put the value in quotes"},
	{"did not find expected node content", "a value is missing after '-' or ':'"},
	{"found unknown escape character", "an unknown \\ escape in a double-quoted value: use single quotes, or write \\\\"},
}

func syntaxMessage(msg string) string {
	for _, h := range syntaxHints {
		if strings.Contains(msg, h.raw) {
			return "YAML syntax: " + h.hint + " (" + msg + ")"
		}
	}
	return "YAML syntax: " + msg
}
