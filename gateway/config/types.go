// Package config reads the box's one YAML config file.
//
// Config flows one way: Default() → Parse (unknown fields rejected, every
// mistake named with its field path and line) → Validate → the daemon builds
// domain objects from the result. Only this package (and the rules file's
// parser) imports YAML; drivers decode their own options through
// gateway.Options without seeing it.
package config

import (
	"time"

	"gopkg.in/yaml.v3"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/internal/duration"
)

// File is the whole config file. configs/example.yaml documents every field.
type File struct {
	Site     Site       `yaml:"site"`
	Hardware string     `yaml:"hardware"` // periph (default) or sim
	Log      Log        `yaml:"log"`
	Store    Store      `yaml:"store"`
	API      API        `yaml:"api"`
	Rules    Rules      `yaml:"rules"`
	Cloud    Cloud      `yaml:"cloud"`
	Fallback *Fallback  `yaml:"fallback"`
	Sensors  []Sensor   `yaml:"sensors"`
	Outputs  []Output   `yaml:"outputs"`
	Watchdog Watchdog   `yaml:"watchdog"`
	lines    lineIndex  // field path -> line, filled by Parse
	raw      *yaml.Node // the parsed document, for re-encoding
}

// Site identifies the home.
type Site struct {
	ID       string `yaml:"id"`
	Name     string `yaml:"name"`
	Timezone string `yaml:"timezone"`
}

// Log configures slog output.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text or json
}

// Store is the local SQLite database.
type Store struct {
	Path          string   `yaml:"path"`
	RetentionDays int      `yaml:"retention_days"`
	MaxEvents     int      `yaml:"max_events"`
	PruneEvery    Duration `yaml:"prune_every"`
}

// API is the local API the technician's CLI talks to.
type API struct {
	Socket string `yaml:"socket"`
	Group  string `yaml:"group"`
}

// Rules points at the rules file.
type Rules struct {
	File string `yaml:"file"`
}

// Cloud is the MQTT link to the community center.
type Cloud struct {
	Brokers       []string `yaml:"brokers"`
	ClientID      string   `yaml:"client_id"`
	TLS           TLS      `yaml:"tls"`
	Username      string   `yaml:"username"`
	PasswordFile  string   `yaml:"password_file"`
	Keepalive     Duration `yaml:"keepalive"`
	Heartbeat     Duration `yaml:"heartbeat"`
	MaxInflight   int      `yaml:"max_inflight"`
	OutboxMax     int      `yaml:"outbox_max"`
	CommandMaxAge Duration `yaml:"command_max_age"`
}

// TLS holds the box's client certificate and the center's CA.
type TLS struct {
	CA   string `yaml:"ca"`
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
}

// Fallback is the GSM modem SMS path used when the cloud link is down.
type Fallback struct {
	Port          string   `yaml:"port"`
	Baud          int      `yaml:"baud"`
	Numbers       []string `yaml:"numbers"`
	LinkDownAfter Duration `yaml:"link_down_after"`
	// AckWithin: with the link up, an alarm not acknowledged this long
	// after it was raised is texted too (the center is not answering).
	AckWithin Duration `yaml:"ack_within"`
	// Language of the text: en (default) or zh-CN.
	Language string `yaml:"language"`
}

// Watchdog configures systemd supervision.
type Watchdog struct {
	// StallAfter is how long the event loop may stay silent before the
	// daemon stops pinging systemd's watchdog.
	StallAfter Duration `yaml:"stall_after"`
}

// Sensor is one input device.
type Sensor struct {
	ID      string           `yaml:"id"`
	Kind    event.SensorKind `yaml:"kind"`
	Driver  string           `yaml:"driver"`
	Room    string           `yaml:"room"`
	Options Options          `yaml:"options"`
}

// Output is the siren or a LED.
type Output struct {
	ID      string  `yaml:"id"`
	Kind    string  `yaml:"kind"`
	Driver  string  `yaml:"driver"`
	Options Options `yaml:"options"`
}

// Duration is a time.Duration written as "30s", "5m", "1h30m"; it reads
// itself through internal/duration, as every duration a person writes does.
type Duration = duration.Duration

// Default returns a config with every default filled in; Parse decodes a
// file over it.
func Default() *File {
	return &File{
		Hardware: "periph",
		Log:      Log{Level: "info", Format: "text"},
		Store:    Store{Path: "/var/lib/safehub/safehub.db", RetentionDays: 90, MaxEvents: 200000, PruneEvery: Duration(time.Hour)},
		API:      API{Socket: "/run/safehub/safehubd.sock", Group: "safehub"},
		Cloud: Cloud{
			Keepalive:     Duration(30 * time.Second),
			Heartbeat:     Duration(60 * time.Second),
			MaxInflight:   32,
			OutboxMax:     50000,
			CommandMaxAge: Duration(10 * time.Minute),
		},
		Watchdog: Watchdog{StallAfter: Duration(30 * time.Second)},
	}
}
