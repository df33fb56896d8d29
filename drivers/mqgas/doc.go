// Package mqgas reads MQ-series gas sensors (MQ-2, MQ-5, MQ-7, ...) through
// an ADS1115 ADC on a shared I²C bus, using periph's ads1x15 driver, and
// reports gas in ppm.
//
// The ADC reads the voltage across the sensor module's load resistor. A
// per-sensor Calibration turns that voltage into the sensor's resistance Rs,
// divides by its clean-air resistance R0, and reads ppm off the datasheet's
// log-log curve for the gas. Readings are withheld during a warm-up after
// power-on; a bus error or an input stuck at a rail is a sensor fault, never
// a gas reading.
//
// The package registers the driver "ads1115-mq" for the sensor kind "gas".
package mqgas
