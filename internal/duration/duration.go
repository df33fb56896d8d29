// Package duration is the one way SafeHub reads a length of time written by
// a person: in the box's config, a rules file, a simulator scenario, a
// command-line argument or an API query. The syntax is Go's
// (time.ParseDuration): a sequence of decimal numbers with units ns, us (or
// µs), ms, s, m, h, such as "300ms", "30s", "1.5h" or "1h30m", with an
// optional sign. Parse accepts all of it; range checks (above zero, at most
// a day) are the caller's, which knows what the value is for.
//
// Duration is the type config structs use. It reads itself from YAML (with
// the line in the error), JSON and text, and writes itself back in the same
// syntax. This package is config infrastructure, like the config parsers,
// and so may import yaml; domain packages take a plain time.Duration.
package duration

import (
	"fmt"
	"time"

	"gopkg.in/yaml.v3"
)

// Want is what a message says was expected.
const Want = "a duration such as 30s, 5m or 1h30m"

// SyntaxError reports text that is not a duration.
type SyntaxError struct {
	Text string // what was given
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("expected %s, got %q", Want, e.Text)
}

// Parse reads s as a duration. The error is a *SyntaxError.
func Parse(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, &SyntaxError{Text: s}
	}
	return d, nil
}

// Duration is a time.Duration written as "30s", "5m" or "1h30m".
type Duration time.Duration

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String writes d as Parse reads it, such as "1h30m0s".
func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalYAML implements yaml.Unmarshaler. A mistake is a *yaml.TypeError
// naming the line, so a decoder reports it with the file's other mistakes
// instead of stopping at it.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := Parse(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %s", n.Line, (&SyntaxError{Text: n.Value}).Error())}}
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML implements yaml.Marshaler.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// UnmarshalText implements encoding.TextUnmarshaler (JSON strings, flags,
// environment variables).
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }
