// Package health holds what the sampling drivers (I2C gas and climate)
// share about a device's health: a gate that turns sample outcomes into
// fault and recovery transitions with hysteresis.
package health

// Gate turns sample outcomes into health transitions with hysteresis: N
// failed samples in a row make a fault, and N good samples in a row end it,
// so a flaky bus (a NACK storm) is one fault, not a fault and recovery per
// lucky sample. The zero Gate with N set is ready; it is not safe for
// concurrent use (a driver's sampling loop owns it).
type Gate struct {
	N         int
	bad, good int
	faulted   bool
}

// Fail records a failed sample and reports whether it starts a fault.
func (g *Gate) Fail() bool {
	g.good = 0
	g.bad++
	if !g.faulted && g.bad >= g.N {
		g.faulted = true
		return true
	}
	return false
}

// OK records a good sample and reports whether it ends a fault.
func (g *Gate) OK() bool {
	g.bad = 0
	if !g.faulted {
		return false
	}
	g.good++
	if g.good < g.N {
		return false
	}
	g.faulted, g.good = false, 0
	return true
}

// Faulted reports whether the device is in a fault.
func (g *Gate) Faulted() bool { return g.faulted }
