// Package gsm drives a GSM modem of the SIM800/Quectel kind over AT
// commands. It is the modem of SafeHub's SMS fallback (gateway/smsfallback),
// which decides when an alarm goes out by SMS and to whom; this package
// only knows how to talk to the modem.
//
// Modem is the AT command engine: one command at a time, each with a
// timeout, unsolicited lines (RING, +CMTI, Call Ready, SMS Ready) set aside
// whenever they arrive, the "> " prompt of AT+CMGS, and +CME/+CMS errors as
// typed errors. Text that the GSM alphabet cannot carry is sent as UCS-2,
// 70 characters per message. Ready sums up SIM, registration and signal.
// LineScanner and the Parse functions are the pure parsers of modem output.
package gsm
