package config

import (
	"fmt"
	"strings"
)

// Warnings lists what is allowed but probably a mistake in a valid config,
// with field paths and lines: today a fallback number that looks like a
// placeholder (+8613800000000, +4930123456), which would text nobody.
// check-config prints them; they never stop the daemon.
func (f *File) Warnings() Errors {
	var ws Errors
	if f.Fallback != nil {
		for i, n := range f.Fallback.Numbers {
			if placeholderNumber(n) {
				p := fmt.Sprintf("fallback.numbers[%d]", i)
				ws = append(ws, f.Warn(p, "%q looks like a placeholder, not a real phone number: the SMS would reach nobody", n))
			}
		}
	}
	return ws
}

// Warn is a warning about the field at path, with its line (or its closest
// parent's).
func (f *File) Warn(path, format string, args ...any) *Error {
	v := &validator{f: f}
	return &Error{Field: path, Line: v.lineOf(path), Msg: fmt.Sprintf(format, args...)}
}

// placeholderNumber reports numbers of the kind written in examples: five or
// more of one digit in a row (+86 138 0000 0000), or 12345 counting up.
func placeholderNumber(n string) bool {
	digits := strings.TrimPrefix(n, "+")
	if strings.Contains(digits, "12345") {
		return true
	}
	run := 1
	for i := 1; i < len(digits); i++ {
		if digits[i] == digits[i-1] {
			run++
		} else {
			run = 1
		}
		if run >= 5 {
			return true
		}
	}
	return false
}
