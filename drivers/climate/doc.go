// Package climate reads room temperature, humidity and pressure from a Bosch
// BME280 on a shared I²C bus with periph's bmxx80 driver, for the heat and
// cold rules.
//
// The chip is sampled in forced mode with 1x oversampling (the datasheet's
// "weather monitoring" setting): each sample blocks about 8 ms. A bus error
// is retried; fault_after failures in a row are one fault event, and the chip
// is initialised again (chip id, trimming, controls) once it answers, since
// a chip that lost power has forgotten its settings.
//
// The package registers the driver "bme280" for the sensor kind "climate".
package climate
