package simhome

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"gopkg.in/yaml.v3"
)

// Link is where a home's cloud link goes: the daemon's own link, aimed at
// Broker in the embedded broker's demo mode (user name = site id, no TLS).
// An empty Broker runs the home without a link.
type Link struct {
	Broker string
	// Heartbeat overrides the config's heartbeat interval when set.
	Heartbeat time.Duration
}

// rewriteConfig writes a copy of the config at src into dir with the store
// and API socket moved into dir, the rules file made absolute, and the cloud
// section aimed at link's broker (or dropped without one).
func rewriteConfig(src, dir string, link Link) (string, error) {
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
	if link.Broker == "" {
		drop(root, "cloud")
	} else {
		cloud := get(root, "cloud")
		if cloud == nil || cloud.Kind != yaml.MappingNode {
			drop(root, "cloud")
			cloud = &yaml.Node{Kind: yaml.MappingNode}
			root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "cloud"}, cloud)
		}
		drop(cloud, "brokers")
		cloud.Content = append(cloud.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "brokers"},
			&yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: link.Broker}}})
		drop(cloud, "tls")
		drop(cloud, "password_file")
		if u := get(cloud, "username"); u == nil || u.Value == "" {
			if site := get(root, "site", "id"); site != nil {
				set(cloud, site.Value, "username")
			}
		}
		if link.Heartbeat > 0 {
			set(cloud, link.Heartbeat.String(), "heartbeat")
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

// drop removes key from mapping n.
func drop(n *yaml.Node, key string) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			n.Content = append(n.Content[:i], n.Content[i+2:]...)
			return
		}
	}
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
