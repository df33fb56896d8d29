// Package district runs many virtual SafeHub homes in one process against a
// center broker, for load and recovery benchmarks: each home is a real
// gateway pipeline (store, rules engine, the real gpio driver on a
// simulated call button) with its own cloud link, so its own MQTT session,
// heartbeats on their real interval, and the outbox that keeps alarms
// through an outage.
//
// To fit thousands of homes in one process a home is lighter than
// safehubd: one sensor (the call button), an in-memory SQLite store by
// default (Config.StoreDir puts real files on disk instead), and no local
// API. Everything from the pin's edge to the broker's PUBACK is the
// production code.
package district
