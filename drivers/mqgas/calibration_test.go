package mqgas

import (
	"math"
	"testing"
)

func TestCurveFromPoints(t *testing.T) {
	tests := []struct {
		name         string
		p1, r1       float64
		p2, r2       float64
		wantA, wantB float64
	}{
		// The widely used fit of the MQ-2 LPG line is ppm = 574.25·ratio^-2.222.
		{name: "MQ-2 LPG", p1: 200, r1: 1.6, p2: 10000, r2: 0.27, wantA: 574.25, wantB: -2.2},
		{name: "exact power law", p1: 100, r1: 1, p2: 10000, r2: 0.1, wantA: 100, wantB: -2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := CurveFromPoints(tt.p1, tt.r1, tt.p2, tt.r2)
			if math.Abs(a-tt.wantA)/tt.wantA > 0.05 || math.Abs(b-tt.wantB) > 0.05 {
				t.Errorf("got a=%.2f b=%.3f, want a≈%.2f b≈%.3f", a, b, tt.wantA, tt.wantB)
			}
		})
	}
}

func TestCalibrationRoundTrip(t *testing.T) {
	a, b := CurveFromPoints(200, 1.6, 10000, 0.27)
	cal := Calibration{LoadOhms: 10000, R0Ohms: 9800, SupplyVolts: 5, A: a, B: b}
	tests := []struct {
		name      string
		ppm       float64
		wantVolts float64 // from the circuit: 5·RL/(Rs+RL), Rs = R0·(ppm/A)^(1/B)
	}{
		{name: "200 ppm on the datasheet point", ppm: 200, wantVolts: 5 * 10000 / (1.6*9800 + 10000)},
		{name: "10000 ppm on the datasheet point", ppm: 10000, wantVolts: 5 * 10000 / (0.27*9800 + 10000)},
		{name: "2000 ppm alarm level", ppm: 2000},
		{name: "trace", ppm: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := cal.Volts(tt.ppm)
			if tt.wantVolts != 0 && math.Abs(v-tt.wantVolts) > 1e-9 {
				t.Errorf("Volts(%g): got %.6f V, want %.6f V", tt.ppm, v, tt.wantVolts)
			}
			if v <= 0 || v >= cal.SupplyVolts {
				t.Fatalf("Volts(%g): got %.6f V, want strictly between 0 and the supply", tt.ppm, v)
			}
			if got := cal.PPM(v); math.Abs(got-tt.ppm)/tt.ppm > 1e-9 {
				t.Errorf("PPM(Volts(%g)): got %g", tt.ppm, got)
			}
		})
	}
}
