// Package smsfallback is the box's last way out: when the cloud link has
// been down longer than Config.LinkDownAfter and an alarm is still
// unacknowledged, Fallback sends one SMS per alarm to each configured
// number, remembers what it sent so nobody is texted twice (also across a
// restart), and reports the modem's health as the sensor "gsm".
//
// It decides when, to whom and what; the modem that sends is passed in
// through the small Modem interface (drivers/gsm provides one), so this
// package links no driver.
package smsfallback
