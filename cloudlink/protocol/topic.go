// Package protocol is the wire contract between a SafeHub box and the
// community center: MQTT topic names and the JSON payloads on them, with
// encoders and validating decoders. It has no MQTT client in it, so the box
// (cloudlink), the center console and the simulator share it without pulling
// in a network stack. docs/protocol.md describes every topic and field.
//
// Every payload carries the schema version "v" (Version). A decoder refuses
// other versions and names the offending field in its error; unknown fields
// are ignored so that a newer minor addition does not break an older peer.
package protocol

import (
	"fmt"
	"regexp"
	"strings"
)

// Version is the schema version in every payload and in the topic prefix.
const Version = 1

// Root is the first topic level; the version follows as "v1".
const Root = "safehub"

// Channel is the last part of a topic: what kind of message travels on it.
type Channel string

// The channels. Box → center: Alarm, Event, Heartbeat, Status, Reply.
// Center → box: Cmd.
const (
	Alarm     Channel = "alarm"     // alarm lifecycle events (QoS 1)
	Event     Channel = "event"     // every other event (QoS 1)
	Heartbeat Channel = "heartbeat" // periodic health report (QoS 0)
	Status    Channel = "status"    // retained online/offline; offline is the last will (QoS 1)
	Cmd       Channel = "cmd"       // commands to the box (QoS 1)
	Reply     Channel = "cmd/reply" // one reply per command id (QoS 1)
)

var channels = []Channel{Alarm, Event, Heartbeat, Status, Cmd, Reply}

// Valid reports whether c is one of the defined channels.
func (c Channel) Valid() bool {
	for _, k := range channels {
		if c == k {
			return true
		}
	}
	return false
}

var siteRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// ValidSite checks a site id: 1 to 63 characters of lowercase letters,
// digits and '-', not starting with '-'. Site ids are topic levels, so MQTT
// wildcards and '/' must never reach them.
func ValidSite(site string) error {
	if !siteRE.MatchString(site) {
		return fieldErr("site", "%q is not a site id (want [a-z0-9][a-z0-9-]{0,62})", site)
	}
	return nil
}

// Prefix is the topic prefix of a site: "safehub/v1/<site>".
func Prefix(site string) (string, error) {
	if err := ValidSite(site); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s/v%d/%s", Root, Version, site), nil
}

// Topic is the topic of one channel of a site, e.g.
// Topic("rose-12", Alarm) = "safehub/v1/rose-12/alarm".
func Topic(site string, ch Channel) (string, error) {
	if !ch.Valid() {
		return "", fmt.Errorf("protocol: unknown channel %q", ch)
	}
	p, err := Prefix(site)
	if err != nil {
		return "", err
	}
	return p + "/" + string(ch), nil
}

// Filter is a subscription filter for a channel of every site
// ("safehub/v1/+/alarm"), as the center uses it.
func Filter(ch Channel) string {
	return fmt.Sprintf("%s/v%d/+/%s", Root, Version, ch)
}

// CenterStatusTopic is where the center announces its presence (retained
// CenterStatusMsg, QoS 1), for every box to read. It has three levels and
// '_' is not allowed in a site id, so no site's topic is it and no per-site
// filter ("safehub/v1/+/status", an ACL pattern "safehub/v1/%u/...") matches
// it. ParseTopic refuses it: it belongs to no site.
const CenterStatusTopic = "safehub/v1/_center"

// ParseTopic splits a topic into its site and channel, checking both.
func ParseTopic(topic string) (site string, ch Channel, err error) {
	prefix := fmt.Sprintf("%s/v%d/", Root, Version)
	rest, ok := strings.CutPrefix(topic, prefix)
	if !ok {
		return "", "", fieldErr("topic", "%q does not start with %q", topic, prefix)
	}
	site, tail, ok := strings.Cut(rest, "/")
	if !ok {
		return "", "", fieldErr("topic", "%q has no channel after the site", topic)
	}
	if err := ValidSite(site); err != nil {
		return "", "", err
	}
	ch = Channel(tail)
	if !ch.Valid() {
		return "", "", fieldErr("topic", "unknown channel %q", tail)
	}
	return site, ch, nil
}
