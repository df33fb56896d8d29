// Package i2csim simulates I²C chips at register level, so periph's real
// drivers (ads1x15, bmxx80) run against them unchanged.
//
// A Bus implements periph's i2c.Bus and routes each transaction by address to
// an attached chip; an address nobody answers is a NACK. ADS1115 and BME280
// model the datasheet registers those drivers touch. Their inputs are Signals,
// functions of the time of an injected clock, so a scenario can script "gas
// rising from clean air to 2,000 ppm over 30 s" and a test with a fake clock
// steps through it without sleeping. Faults (a pulled wire, a NACK storm, an
// input stuck at a rail) are switched on and off with Fail and Repair.
//
// Every method is safe for concurrent use: drivers run in their own
// goroutines while a scenario changes values.
package i2csim
