// Package gsm drives a GSM modem of the SIM800/Quectel kind over AT
// commands, as SafeHub's fallback path: when the cloud link has been down
// too long and an alarm is still unacknowledged, Fallback sends one SMS per
// alarm to each configured number.
//
// Modem is the AT command engine: one command at a time, each with a
// timeout, unsolicited lines (RING, +CMTI, Call Ready, SMS Ready) set aside
// whenever they arrive, the "> " prompt of AT+CMGS, and +CME/+CMS errors as
// typed errors. Text that the GSM alphabet cannot carry is sent as UCS-2,
// 70 characters per message. LineScanner and the Parse functions are the
// pure parsers of modem output.
package gsm
