package i2csim

import "time"

// Signal is a value as a function of time: a voltage on an ADC input, a room
// temperature. Scenarios build them; chips sample them when converting.
type Signal func(t time.Time) float64

// Const is a signal that never changes.
func Const(v float64) Signal {
	return func(time.Time) float64 { return v }
}

// Ramp goes linearly from from to to, starting at start and arriving after
// over; it holds from before start and to afterwards.
func Ramp(start time.Time, from, to float64, over time.Duration) Signal {
	return func(t time.Time) float64 {
		d := t.Sub(start)
		switch {
		case d <= 0:
			return from
		case over <= 0 || d >= over:
			return to
		}
		return from + (to-from)*float64(d)/float64(over)
	}
}

// Map applies f to every value of s: for example a ppm ramp mapped through a
// gas sensor's calibration becomes the voltage its ADC sees.
func Map(s Signal, f func(float64) float64) Signal {
	return func(t time.Time) float64 { return f(s(t)) }
}
