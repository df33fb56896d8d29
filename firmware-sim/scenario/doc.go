// Package scenario reads and plays SafeHub scenario files: YAML timelines of
// what happens in one simulated home ("at 2m the gas in the kitchen ramps to
// 2,500 ppm over 30 s", "at 10m the network is cut for a minute") and the
// outcome the scenario declares (which alarms must reach the center, which
// must not).
//
// Parse reads outside bytes and reports every mistake with its line and
// field; it never panics (FuzzParse). Play walks the timeline on an injected
// clock and hands each step to a Home, which is what cmd/safehub-sim builds
// around a real safehubd pipeline on simulated devices. Check compares what
// the center stored with the declared outcome.
//
// docs/scenarios.md documents the file format and configs/scenarios/ holds
// the set that runs as acceptance tests.
package scenario
