package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/safehub-iot/safehub/internal/fileerr"
)

// lineIndex maps a field path to the line its value starts on.
type lineIndex map[string]int

// Load reads, parses and validates the file at path, with relative paths
// in it taken from the file's folder (ResolvePaths). The error, if any, is
// an Errors listing every mistake.
func Load(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	cfg, perrs, err := parse(f)
	if err != nil {
		return nil, err
	}
	if cfg == nil {
		return nil, orNil(perrs)
	}
	cfg.ResolvePaths(filepath.Dir(path))
	// Validate even a file with parse mistakes, so the technician sees
	// every mistake at once.
	verr := cfg.Validate()
	var verrs Errors
	if verr != nil {
		verrs = verr.(Errors)
	}
	if all := append(perrs, verrs...); len(all) > 0 {
		return nil, orNil(all)
	}
	return cfg, nil
}

// Parse decodes a config file over Default(). Unknown fields and values of
// the wrong type are reported, all of them, as Errors; semantic checks are
// Validate's.
func Parse(r io.Reader) (*File, error) {
	cfg, errs, err := parse(r)
	if err != nil {
		return nil, err
	}
	if err := orNil(errs); err != nil {
		return nil, err
	}
	return cfg, nil
}

// parse returns the config decoded as far as possible and the mistakes
// found; cfg is nil when the file could not be read as YAML at all.
func parse(r io.Reader) (*File, Errors, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("config: read: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, Errors{syntaxError(err)}, nil
	}
	cfg := Default()
	cfg.lines = lineIndex{}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, Errors{{Msg: "the file is empty: expected a mapping with at least site and sensors"}}, nil
	}
	root := doc.Content[0]
	cfg.raw = &doc
	var errs Errors
	dropDuplicateKeys(root, "", &errs)
	walk(root, reflect.TypeOf(*cfg), "", cfg.lines, &errs)
	if err := root.Decode(cfg); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return nil, Errors{syntaxError(err)}, nil
		}
		for _, m := range te.Errors {
			if strings.Contains(m, "not found in type") {
				continue // reported by walk with its path
			}
			e := fromYAMLMessage(fieldOf(root, "", m), m)
			errs = append(errs, e)
		}
	}
	for i := range cfg.Sensors {
		cfg.Sensors[i].Options.path = fmt.Sprintf("sensors[%d].options", i)
	}
	for i := range cfg.Outputs {
		cfg.Outputs[i].Options.path = fmt.Sprintf("outputs[%d].options", i)
	}
	return cfg, errs, nil
}

func syntaxError(err error) *Error {
	line, msg := fileerr.YAMLLine(err.Error())
	return &Error{Line: line, Msg: syntaxMessage(msg)}
}

var unmarshalerType = reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()

// walk checks every mapping key against the yaml tags of t, recording the
// line of each field path and an error for each unknown key.
func walk(n *yaml.Node, t reflect.Type, path string, lines lineIndex, errs *Errors) {
	if n == nil {
		return
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if path != "" {
		lines[path] = n.Line
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		return // decodes itself (Duration, Options)
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return // the type error comes from Decode
		}
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			ft, ok := fields[k.Value]
			if !ok {
				*errs = append(*errs, &Error{Field: p, Line: k.Line, Msg: "unknown field (expected one of: " + strings.Join(sortedKeys(fields), ", ") + ")"})
				continue
			}
			walk(v, ft, p, lines, errs)
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return
		}
		for i, item := range n.Content {
			walk(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i), lines, errs)
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			walk(n.Content[i+1], t.Elem(), join(path, n.Content[i].Value), lines, errs)
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

func sortedKeys(m map[string]reflect.Type) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// Options holds a sensor's or output's driver options as written, until the
// driver decodes them into its own struct (gateway.Options).
type Options struct {
	node *yaml.Node
	path string
}

// UnmarshalYAML implements yaml.Unmarshaler: the node is kept for Decode.
func (o *Options) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode && !(n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: options: expected a mapping (key: value lines)", n.Line)}}
	}
	o.node = n
	return nil
}

// Line is the line of the named option (or of the options block for ""),
// 0 when absent.
func (o Options) Line(field string) int {
	if o.node == nil {
		return 0
	}
	if field == "" {
		return o.node.Line
	}
	for i := 0; i+1 < len(o.node.Content); i += 2 {
		if o.node.Content[i].Value == field {
			return o.node.Content[i].Line
		}
	}
	return o.node.Line
}

// Decode implements gateway.Options: it fills v (a pointer to a struct with
// yaml tags), rejecting unknown option names; every mistake is reported as
// Errors with the option's path and line.
func (o Options) Decode(v any) error {
	if o.node == nil {
		return nil
	}
	var errs Errors
	walk(o.node, reflect.TypeOf(v), o.path, lineIndex{}, &errs)
	if err := o.node.Decode(v); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return Errors{{Field: o.path, Line: o.node.Line, Msg: err.Error()}}
		}
		for _, m := range te.Errors {
			if !strings.Contains(m, "not found in type") {
				field := fieldOf(o.node, o.path, m)
				if field == "" {
					field = o.path
				}
				errs = append(errs, fromYAMLMessage(field, m))
			}
		}
	}
	return orNil(errs)
}

// MarshalYAML keeps options as written when a config is re-encoded.
func (o Options) MarshalYAML() (any, error) {
	if o.node == nil {
		return map[string]any{}, nil
	}
	return o.node, nil
}

// Encode writes cfg as YAML (used by provisioning to save a config).
func Encode(w io.Writer, cfg *File) error {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(cfg); err != nil {
		return fmt.Errorf("config: encode: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("config: encode: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}
