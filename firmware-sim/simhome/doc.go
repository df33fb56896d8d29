// Package simhome runs one whole SafeHub home in-process: the real safehubd
// daemon (drivers, rules, pipeline, SQLite store) on simulated hardware
// (firmware-sim: GPIO pins, ADS1115 and BME280 chips on an I²C bus, the fall
// radar and the RF bridge on pseudo-terminals), with its cloud link to a
// center broker through a Proxy that can cut the line.
//
// A Home is a scenario.Home: it turns a scenario's steps into what the
// devices do (a pin's level, a gas concentration in volts, a radar frame),
// so everything after the device is the production code path.
package simhome
