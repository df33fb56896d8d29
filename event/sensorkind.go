package event

import (
	"fmt"
	"strings"
)

// SensorKind says what a sensor is, and so which drivers can serve it and
// which rules may watch it. The box's config, rules, drivers and simulator
// name kinds only through these constants. Events and wire messages carry
// the kind as a plain string, so a center stores kinds a newer box knows.
type SensorKind string

// The sensor kinds, in the order SensorKinds lists them.
const (
	CallButton SensorKind = "call_button" // a wired emergency button
	Pendant    SensorKind = "pendant"     // a 433 MHz wearable button
	Door       SensorKind = "door"        // a door contact
	Smoke      SensorKind = "smoke"       // a smoke detector's relay
	Motion     SensorKind = "motion"      // a PIR motion sensor
	MainsPower SensorKind = "mains_power" // the mains supply, seen by the UPS
	Gas        SensorKind = "gas"         // an MQ gas sensor (ppm)
	Climate    SensorKind = "climate"     // temperature, humidity and pressure
	Fall       SensorKind = "fall"        // a fall-detection radar
	// ResetButton is the box's own button: held, it resets latched alarms.
	ResetButton SensorKind = "reset_button"
)

// sensorKinds is the one list of sensor kinds.
var sensorKinds = []SensorKind{CallButton, Pendant, Door, Smoke, Motion, MainsPower, Gas, Climate, Fall, ResetButton}

// SensorKinds returns every sensor kind the box knows; the slice is the
// caller's.
func SensorKinds() []SensorKind { return append([]SensorKind(nil), sensorKinds...) }

// Known reports whether k is one of SensorKinds.
func (k SensorKind) Known() bool {
	for _, s := range sensorKinds {
		if k == s {
			return true
		}
	}
	return false
}

// ParseSensorKind checks s against the known sensor kinds.
func ParseSensorKind(s string) (SensorKind, error) {
	if k := SensorKind(s); k.Known() {
		return k, nil
	}
	return "", fmt.Errorf("unknown sensor kind %q (want one of %s)", s, JoinSensorKinds(sensorKinds, ", "))
}

// JoinSensorKinds joins kinds with sep, for messages such as "want one of
// call_button, pendant".
func JoinSensorKinds(kinds []SensorKind, sep string) string {
	s := make([]string, len(kinds))
	for i, k := range kinds {
		s[i] = string(k)
	}
	return strings.Join(s, sep)
}
