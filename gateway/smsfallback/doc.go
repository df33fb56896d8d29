// Package smsfallback is the box's last way out: when an alarm nobody has
// handled (not acknowledged by the center, not cleared or cancelled at
// home) is due, because the cloud link has been down longer than
// Config.LinkDownAfter, because the rules escalated it, or because the
// center has not acknowledged it within Config.AckWithin though the link is
// up, Fallback sends one SMS per alarm (and one more per escalation) to each
// configured number, in English or Chinese. It remembers what it sent so
// nobody is texted twice (also across a restart), and reports the modem's
// health as the sensor "gsm".
//
// It decides when, to whom and what; the modem that sends is passed in
// through the small Modem interface (drivers/gsm provides one), so this
// package links no driver.
package smsfallback
