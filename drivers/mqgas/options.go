package mqgas

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/safehub-iot/safehub/gateway"
)

// Options are the driver's options in the config.
type Options struct {
	Bus     string `yaml:"bus"`     // I²C bus name; default "1"
	Address uint16 `yaml:"address"` // 0x48–0x4B; default 0x48
	Channel int    `yaml:"channel"` // ADS1115 input AIN0–AIN3; default 0
	// FullScaleVolts is the ADC's PGA range: 6.144, 4.096, 2.048, 1.024,
	// 0.512 or 0.256; default the smallest at or above SupplyVolts, so a
	// strong gas reading never saturates the ADC.
	FullScaleVolts float64       `yaml:"full_scale_volts"`
	SampleInterval time.Duration `yaml:"sample_interval"` // default 1s
	Warmup         time.Duration `yaml:"warmup"`          // default 3m
	// FaultAfter is how many failed samples in a row make a fault; default 3,
	// so one lost transaction is not reported to the center.
	FaultAfter int `yaml:"fault_after"`
	// RailVolts: a reading within this of 0 V or of the supply is a stuck
	// input (sensor unplugged, shorted), not gas; default 0.02.
	RailVolts   float64            `yaml:"rail_volts"`
	Calibration CalibrationOptions `yaml:"calibration"`
}

// CalibrationOptions is the config form of a Calibration.
type CalibrationOptions struct {
	LoadOhms    float64      `yaml:"load_ohms"`
	R0Ohms      float64      `yaml:"r0_ohms"`
	SupplyVolts float64      `yaml:"supply_volts"` // default 5
	Curve       CurveOptions `yaml:"curve"`
}

// CurveOptions gives the datasheet curve either as two points or as A and B.
type CurveOptions struct {
	Points []CurvePoint `yaml:"points"`
	A      float64      `yaml:"a"`
	B      float64      `yaml:"b"`
}

// CurvePoint is one point read off a datasheet's sensitivity chart.
type CurvePoint struct {
	PPM  float64 `yaml:"ppm"`
	RsR0 float64 `yaml:"rs_r0"`
}

var fullScales = []float64{0.256, 0.512, 1.024, 2.048, 4.096, 6.144}

func errf(field, format string, a ...any) error {
	return &gateway.FieldError{Field: field, Msg: fmt.Sprintf(format, a...)}
}

// config is the validated form of Options.
type config struct {
	bus        string
	addr       uint16
	channel    int
	fullScale  float64
	interval   time.Duration
	warmup     time.Duration
	faultAfter int
	rail       float64
	cal        Calibration
}

// validate applies defaults and checks every option, without I/O.
func (o Options) validate() (config, error) {
	c := config{bus: o.Bus, addr: o.Address, channel: o.Channel, fullScale: o.FullScaleVolts,
		interval: o.SampleInterval, warmup: o.Warmup, faultAfter: o.FaultAfter, rail: o.RailVolts}
	if c.bus == "" {
		c.bus = "1"
	}
	if c.addr == 0 {
		c.addr = 0x48
	}
	if c.addr < 0x48 || c.addr > 0x4B {
		return c, errf("address", "%#x is not an ADS1115 address (want 0x48, 0x49, 0x4a or 0x4b)", c.addr)
	}
	if c.channel < 0 || c.channel > 3 {
		return c, errf("channel", "%d is not an ADS1115 input (want 0 to 3)", c.channel)
	}
	if c.interval == 0 {
		c.interval = time.Second
	}
	if c.interval < 10*time.Millisecond || c.interval > time.Minute {
		return c, errf("sample_interval", "%v is out of range (want 10ms to 1m)", c.interval)
	}
	if c.warmup == 0 {
		c.warmup = 3 * time.Minute
	}
	if c.warmup < 0 {
		return c, errf("warmup", "%v is negative (want a duration such as 3m)", c.warmup)
	}
	if c.faultAfter == 0 {
		c.faultAfter = 3
	}
	if c.faultAfter < 1 {
		return c, errf("fault_after", "%d is not a count of samples (want 1 or more)", c.faultAfter)
	}
	cal, err := o.Calibration.validate()
	if err != nil {
		return c, err
	}
	c.cal = cal
	if c.fullScale == 0 {
		i := slices.IndexFunc(fullScales, func(fs float64) bool { return fs >= cal.SupplyVolts })
		if i < 0 {
			return c, errf("calibration.supply_volts", "%g V is above the ADS1115's largest range 6.144 V", cal.SupplyVolts)
		}
		c.fullScale = fullScales[i]
	}
	if !slices.Contains(fullScales, c.fullScale) {
		return c, errf("full_scale_volts", "%g is not an ADS1115 range (want 6.144, 4.096, 2.048, 1.024, 0.512 or 0.256)", c.fullScale)
	}
	if c.fullScale < cal.SupplyVolts {
		return c, errf("full_scale_volts", "%g V is below calibration.supply_volts %g V: strong gas would saturate the ADC and read as a fault", c.fullScale, cal.SupplyVolts)
	}
	if c.rail == 0 {
		c.rail = 0.02
	}
	if c.rail < 0 || c.rail >= cal.SupplyVolts/4 {
		return c, errf("rail_volts", "%g V is out of range (want more than 0 and less than a quarter of the supply)", c.rail)
	}
	return c, nil
}

func (o CalibrationOptions) validate() (Calibration, error) {
	c := Calibration{LoadOhms: o.LoadOhms, R0Ohms: o.R0Ohms, SupplyVolts: o.SupplyVolts}
	if c.SupplyVolts == 0 {
		c.SupplyVolts = 5
	}
	switch {
	case c.LoadOhms <= 0:
		return c, errf("calibration.load_ohms", "missing or not positive (want the module's load resistor, e.g. 10000)")
	case c.R0Ohms <= 0:
		return c, errf("calibration.r0_ohms", "missing or not positive (want the sensor's resistance in clean air, measured at commissioning)")
	case c.SupplyVolts < 0 || c.SupplyVolts > 6.144:
		return c, errf("calibration.supply_volts", "%g V is out of range (want up to 6.144 V, usually 5)", c.SupplyVolts)
	}
	cv := o.Curve
	switch {
	case len(cv.Points) > 0 && (cv.A != 0 || cv.B != 0):
		return c, errf("calibration.curve", "give either points or a and b, not both")
	case len(cv.Points) > 0:
		if len(cv.Points) != 2 {
			return c, errf("calibration.curve.points", "%d points given (want exactly 2 read off the datasheet chart)", len(cv.Points))
		}
		p, q := cv.Points[0], cv.Points[1]
		if p.PPM <= 0 || q.PPM <= 0 || p.RsR0 <= 0 || q.RsR0 <= 0 {
			return c, errf("calibration.curve.points", "ppm and rs_r0 must be positive")
		}
		if p.PPM == q.PPM || p.RsR0 == q.RsR0 {
			return c, errf("calibration.curve.points", "the two points must differ in both ppm and rs_r0")
		}
		c.A, c.B = CurveFromPoints(p.PPM, p.RsR0, q.PPM, q.RsR0)
	case cv.A != 0 || cv.B != 0:
		c.A, c.B = cv.A, cv.B
		if c.A <= 0 {
			return c, errf("calibration.curve.a", "%g is not positive", c.A)
		}
	default:
		return c, errf("calibration.curve", "missing (want points: two {ppm, rs_r0} from the datasheet, or a and b of ppm = a·(Rs/R0)^b)")
	}
	if c.B >= 0 || math.IsInf(c.B, 0) || math.IsNaN(c.B) {
		return c, errf("calibration.curve", "Rs/R0 must fall as ppm rises, as it does for MQ sensors (got exponent b = %g)", c.B)
	}
	return c, nil
}
