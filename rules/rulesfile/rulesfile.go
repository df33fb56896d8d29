// Package rulesfile reads a SafeHub rules file (YAML) into a rules.Engine.
// It is the only part of the rules that imports yaml. Validation is
// strict: unknown fields, rules naming unknown sensors or sensors of the
// wrong kind, and bad values are errors; every error names the field path
// and line, and all of them are reported at once. A file that fails to load
// changes nothing, so a reload with a bad file keeps the old rules.
//
// The daemon uses Load for `safehubd check-rules FILE`, at start-up and on
// SIGHUP, and Parse for the cloud link's replace-rules command.
package rulesfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/safehub-iot/safehub/internal/fileerr"
	"github.com/safehub-iot/safehub/rules"
)

// Env is what the file is checked against: the site's sensors and
// timezone.
type Env struct {
	// Sensors maps each configured sensor id to its kind (one of
	// event.SensorKinds).
	Sensors map[string]string
	// Location is the site's timezone; a timezone in the file overrides
	// it. Nil means UTC.
	Location *time.Location
}

// Error is one mistake in a rules file: file (set by Load), line, field
// path (e.g. "rules[2].raise_after") and message.
type Error = fileerr.Error

// Errors is every mistake found in a file, in file order; errors.As finds
// each *Error in it.
type Errors = fileerr.Errors

// maxSize bounds a rules file; a real one is a few kilobytes.
const maxSize = 1 << 20

// File is a parsed, validated rules file.
type File struct {
	Rules    []rules.Rule
	Location *time.Location
}

// Decode parses and validates a rules file without building an engine.
func Decode(r io.Reader, env Env) (*File, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read rules: %w", err)
	}
	if len(data) > maxSize {
		return nil, Errors{{Msg: fmt.Sprintf("rules file larger than %d bytes", maxSize)}}
	}
	p := &parser{env: env, loc: env.Location}
	if p.loc == nil {
		p.loc = time.UTC
	}
	f := p.parse(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	if len(p.errs) > 0 {
		p.errs.SortByLine()
		return nil, p.errs
	}
	return f, nil
}

// Parse reads, validates and builds a rules engine.
func Parse(r io.Reader, env Env) (*rules.Engine, error) {
	f, err := Decode(r, env)
	if err != nil {
		return nil, err
	}
	e, err := rules.New(f.Rules, rules.Options{Location: f.Location})
	if err != nil {
		return nil, fmt.Errorf("build rules: %w", err)
	}
	return e, nil
}

// Load is Parse for a file; errors name the file.
func Load(path string, env Env) (*rules.Engine, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open rules: %w", err)
	}
	defer fh.Close()
	e, err := Parse(fh, env)
	var es Errors
	if errors.As(err, &es) {
		for _, x := range es {
			x.File = path
		}
	}
	return e, err
}
