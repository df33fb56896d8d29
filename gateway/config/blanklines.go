package config

import (
	"bytes"
	"regexp"
)

// yaml.v3 keeps comments through a Node round trip but not blank lines. A
// blank line is therefore turned into a marker comment, indented like the
// line after it so it stays with that line, and turned back on output.
const blankMarker = "#safehub:blank-line"

var blankMarkerLine = regexp.MustCompile(`(?m)^[ \t]*` + blankMarker + `[ \t]*$`)

func markBlankLines(data []byte) []byte {
	lines := bytes.Split(data, []byte("\n"))
	indent := []byte{}
	for i := len(lines) - 1; i >= 0; i-- {
		l := lines[i]
		trimmed := bytes.TrimLeft(l, " ")
		if len(bytes.TrimSpace(l)) == 0 {
			if i < len(lines)-1 { // not the end of the file
				lines[i] = append(append([]byte{}, indent...), blankMarker...)
			}
			continue
		}
		indent = l[:len(l)-len(trimmed)]
	}
	return bytes.Join(lines, []byte("\n"))
}

func restoreBlankLines(out []byte) []byte {
	return blankMarkerLine.ReplaceAll(out, nil)
}
