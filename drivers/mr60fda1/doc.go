// Package mr60fda1 is the driver for 60 GHz fall-detection radars of the
// Seeed MR60FDA1 kind on a serial port (115200 baud), registered as driver
// "mr60fda1" for sensors of kind "fall".
//
// The radar reports presence (control 0x80), a body-movement value about
// once a second, a heartbeat (control 0x01) and the fall state (control
// 0x83, command 0x01). It sends the fall state only when it changes, so the
// driver keeps it and asks again at start-up and after every resync: a
// frame lost to line noise might have been the fall.
//
// The driver reports fall, presence, movement and heartbeat readings, and a
// fault when nothing valid has been heard for heartbeat_limit. Scanner is
// the frame parser on its own, with counters for what it had to skip.
package mr60fda1
