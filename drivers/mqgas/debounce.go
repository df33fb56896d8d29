package mqgas

// debounce turns sample outcomes into health transitions with hysteresis: n
// failed samples in a row make a fault, and n good samples in a row end it,
// so a flaky bus (a NACK storm) is one fault, not a fault and recovery per
// lucky sample.
type debounce struct {
	n         int
	bad, good int
	faulted   bool
}

// fail records a failed sample and reports whether it starts a fault.
func (d *debounce) fail() bool {
	d.good = 0
	d.bad++
	if !d.faulted && d.bad >= d.n {
		d.faulted = true
		return true
	}
	return false
}

// ok records a good sample and reports whether it ends a fault.
func (d *debounce) ok() bool {
	d.bad = 0
	if !d.faulted {
		return false
	}
	d.good++
	if d.good < d.n {
		return false
	}
	d.faulted, d.good = false, 0
	return true
}
