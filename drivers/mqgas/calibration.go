package mqgas

import "math"

// Calibration turns the voltage across an MQ sensor module's load resistor
// into ppm of one gas. The circuit is the supply, then the sensor's
// resistance Rs, then the load resistor RL to ground:
//
//	V = SupplyVolts · LoadOhms / (Rs + LoadOhms)
//
// and the datasheet's sensitivity curve is a straight line on log-log axes:
//
//	ppm = A · (Rs/R0)^B
type Calibration struct {
	LoadOhms    float64 // RL on the module (often 1 kΩ, 4.7 kΩ or 10 kΩ)
	R0Ohms      float64 // the sensor's resistance in clean air, measured at commissioning
	SupplyVolts float64 // what feeds the sensor and RL, usually 5 V
	A, B        float64 // curve: ppm = A · (Rs/R0)^B; B < 0 for MQ sensors
}

// CurveFromPoints returns A and B for the line through two points read off a
// datasheet's curve: (ppm1, ratio1) and (ppm2, ratio2), ratios being Rs/R0.
func CurveFromPoints(ppm1, ratio1, ppm2, ratio2 float64) (a, b float64) {
	b = math.Log(ppm2/ppm1) / math.Log(ratio2/ratio1)
	a = ppm1 / math.Pow(ratio1, b)
	return a, b
}

// Ratio returns Rs/R0 for a measured voltage.
func (c Calibration) Ratio(volts float64) float64 {
	rs := c.LoadOhms * (c.SupplyVolts - volts) / volts
	return rs / c.R0Ohms
}

// PPM returns the gas concentration for a measured voltage. volts must lie
// strictly between 0 and SupplyVolts; the sensor checks that first.
func (c Calibration) PPM(volts float64) float64 {
	return c.A * math.Pow(c.Ratio(volts), c.B)
}

// Volts is the inverse of PPM: the voltage the ADC sees at ppm. Simulators
// use it to script a scenario in ppm.
func (c Calibration) Volts(ppm float64) float64 {
	rs := math.Pow(ppm/c.A, 1/c.B) * c.R0Ohms
	return c.SupplyVolts * c.LoadOhms / (rs + c.LoadOhms)
}
