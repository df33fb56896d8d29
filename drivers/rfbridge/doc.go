// Package rfbridge is the driver for 433 MHz wireless devices (pendants,
// door contacts, smoke detectors) heard through a serial receiver bridge
// of the Sonoff RF Bridge kind (19200 baud).
//
// Several devices share one bridge: each is its own sensor in config
// (driver "rf433", kinds pendant, door and smoke), naming the bridge port
// and its 20-bit address. Inside the package a reference-counted hub per
// port opens the port once, acknowledges every code, and hands each code
// to the sensor with that address. Unknown codes are logged and counted,
// never alarms. Each sensor folds a burst of repeats into one event,
// supervises its device's check-ins, and maps the 4 data bits to events as
// its config says (the meaning varies by vendor). Learn returns the next
// unknown code heard on a port, for pairing.
package rfbridge
