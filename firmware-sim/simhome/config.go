package simhome

import (
	"fmt"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// rewriteConfig writes a copy of the config at src into dir with the store
// and API socket moved into dir, the rules file made absolute, and the cloud
// section dropped (the home runs its own link to the broker it is given).
func rewriteConfig(src, dir string) (string, error) {
	data, err := os.ReadFile(src)
	if err != nil {
		return "", err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return "", fmt.Errorf("%s: %w", src, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return "", fmt.Errorf("%s: not a config file (want a mapping)", src)
	}
	root := doc.Content[0]
	set(root, filepath.Join(dir, "safehub.db"), "store", "path")
	set(root, filepath.Join(dir, "safehubd.sock"), "api", "socket")
	if rules := get(root, "rules", "file"); rules != nil && rules.Value != "" && !filepath.IsAbs(rules.Value) {
		rules.Value = resolve(src, rules.Value)
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "cloud" {
			root.Content = append(root.Content[:i], root.Content[i+2:]...)
			break
		}
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "safehub.yaml")
	return path, os.WriteFile(path, out, 0o600)
}

// resolve finds a relative rules path: from the working directory (the
// repository root for make demo), else beside the config or one level up
// (configs/rules.yaml named in configs/demo.yaml).
func resolve(cfgPath, rel string) string {
	base := filepath.Dir(cfgPath)
	for _, c := range []string{rel, filepath.Join(base, "..", rel), filepath.Join(base, rel)} {
		if _, err := os.Stat(c); err == nil {
			if abs, err := filepath.Abs(c); err == nil {
				return abs
			}
		}
	}
	return rel
}

func get(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		if n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return n
}

func set(root *yaml.Node, value string, keys ...string) {
	n := root
	for i, k := range keys {
		next := get(n, k)
		if next == nil {
			next = &yaml.Node{Kind: yaml.MappingNode}
			if i == len(keys)-1 {
				next = &yaml.Node{Kind: yaml.ScalarNode}
			}
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k}, next)
		}
		n = next
	}
	n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!str", value
}
