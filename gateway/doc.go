// Package gateway is the core of the SafeHub home box: the driver registry
// through which sensors are built from config, and the pipeline that turns
// what sensors observe into events that are committed to the local store
// before anything else (the cloud link, the local API, the outputs) sees
// them.
//
// The words the box shares with the center (Event, Kind, Severity, Health)
// live in package event; this package holds the box-side domain types
// (Reading, Status, Hardware) and small consumer-side interfaces only. The
// SQLite store lives in gateway/store, config parsing in gateway/config, and
// the assembly of a running daemon in gateway/daemon.
package gateway
