package config

import (
	"bytes"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Doc is a config file's YAML document, edited in place so that comments
// and the order of fields survive (provisioning and pairing use it). Check
// the result with Parse and Validate before saving it.
type Doc struct {
	root yaml.Node
}

// ParseDoc reads a config file's text; empty text gives an empty mapping.
func ParseDoc(data []byte) (*Doc, error) {
	d := &Doc{}
	if len(bytes.TrimSpace(data)) == 0 {
		d.root = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}}
		return d, nil
	}
	if err := yaml.Unmarshal(markBlankLines(data), &d.root); err != nil {
		return nil, Errors{syntaxError(err)}
	}
	if len(d.root.Content) == 0 || d.root.Content[0].Kind != yaml.MappingNode {
		return nil, Errors{{Msg: "expected a mapping at the top of the file"}}
	}
	return d, nil
}

// Get returns the scalar at a dotted path, "" when absent or not a scalar.
func (d *Doc) Get(path string) string {
	n := d.root.Content[0]
	for _, k := range strings.Split(path, ".") {
		if n.Kind != yaml.MappingNode {
			return ""
		}
		var next *yaml.Node
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == k {
				next = n.Content[j+1]
				break
			}
		}
		if next == nil {
			return ""
		}
		n = next
	}
	if n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// Set sets the field at a dotted path ("cloud.tls.ca") to value, creating
// the mappings on the way.
func (d *Doc) Set(path string, value any) error {
	var vn yaml.Node
	if err := vn.Encode(value); err != nil {
		return fmt.Errorf("config: %s: %w", path, err)
	}
	n := d.root.Content[0]
	keys := strings.Split(path, ".")
	for i, k := range keys {
		if n.Kind != yaml.MappingNode {
			return fmt.Errorf("config: %s: %s is not a mapping", path, strings.Join(keys[:i], "."))
		}
		var next *yaml.Node
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == k {
				next = n.Content[j+1]
				break
			}
		}
		last := i == len(keys)-1
		if next == nil {
			next = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			if last {
				next = &vn
			}
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, next)
		} else if last {
			vn.HeadComment, vn.LineComment = next.HeadComment, next.LineComment
			*next = vn
		}
		n = next
	}
	return nil
}

// AppendSensor adds a sensor (id, kind, driver, room, options) at the end
// of the sensors list.
func (d *Doc) AppendSensor(s map[string]any) error {
	var vn yaml.Node
	if err := vn.Encode(s); err != nil {
		return fmt.Errorf("config: sensor: %w", err)
	}
	root := d.root.Content[0]
	for j := 0; j+1 < len(root.Content); j += 2 {
		if root.Content[j].Value == "sensors" {
			seq := root.Content[j+1]
			if seq.Kind == yaml.ScalarNode && seq.Tag == "!!null" {
				*seq = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
			}
			if seq.Kind != yaml.SequenceNode {
				return fmt.Errorf("config: sensors is not a list")
			}
			seq.Content = append(seq.Content, &vn)
			return nil
		}
	}
	return d.Set("sensors", []map[string]any{s})
}

// Bytes encodes the document.
func (d *Doc) Bytes() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&d.root); err != nil {
		return nil, fmt.Errorf("config: encode: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("config: encode: %w", err)
	}
	return restoreBlankLines(buf.Bytes()), nil
}
