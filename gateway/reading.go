package gateway

import (
	"time"

	"github.com/safehub-iot/safehub/event"
)

// Reading is one value a sensor reported.
//
// Digital inputs report the quantity "active" with 1 (triggered: button
// pressed, door open, smoke, motion, mains lost) or 0.
type Reading struct {
	Sensor   string    `json:"sensor"`
	Quantity string    `json:"quantity"`
	Value    float64   `json:"value"`
	Unit     string    `json:"unit,omitempty"`
	Time     time.Time `json:"time"`
}

// Well-known reading quantities.
const (
	QActive      = "active"      // digital input: 1 triggered, 0 idle
	QPress       = "press"       // momentary press (a pendant's button): always 1
	QFall        = "fall"        // 1 fall detected, 0 person up / no fall
	QPresence    = "presence"    // 1 someone there, 0 nobody
	QMovement    = "movement"    // body movement value
	QTemperature = "temperature" // °C
	QHumidity    = "humidity"    // %RH
	QPressure    = "pressure"    // hPa
	QGas         = "gas"         // ppm
	QBatteryLow  = "battery_low" // 1 low battery reported
	QTamper      = "tamper"      // 1 tamper reported
	QHeartbeat   = "heartbeat"   // the device is alive, no value
)

// Status reports a change in a sensor's health from its driver: a pin that
// cannot be opened, a bus error, a radar gone silent; and its recovery.
type Status struct {
	Sensor string
	Health event.Health
	// Reason says what is wrong, for the technician: "open GPIO17: busy".
	Reason string
	Time   time.Time
}
