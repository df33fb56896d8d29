package i2csim

import (
	"encoding/binary"
	"math"
)

// bmeNVM is the trimming of a real BME280 (calib00–25 at 0x88, calib26–32 at
// 0xE1), as recorded from a chip in periph's own tests.
var bmeNVM = struct{ tph, h [26]byte }{
	tph: [26]byte{0x10, 0x6e, 0x6c, 0x66, 0x32, 0x0, 0x5d, 0x95, 0xb8, 0xd5, 0xd0, 0xb, 0x77, 0x1e, 0x9d, 0xff, 0xf9, 0xff, 0xac, 0x26, 0xa, 0xd8, 0xbd, 0x10, 0x0, 0x4b},
	h:   [26]byte{0x6e, 0x1, 0x0, 0x13, 0x5, 0x0, 0x1e},
}

// bmeCal holds the trimming parameters (datasheet §4.2.2).
type bmeCal struct {
	t1                             uint16
	t2, t3                         int16
	p1                             uint16
	p2, p3, p4, p5, p6, p7, p8, p9 int16
	h1, h3                         uint8
	h2, h4, h5                     int16
	h6                             int8
}

func parseCal(tph, h []byte) bmeCal {
	le := binary.LittleEndian
	s := func(b []byte) int16 { return int16(le.Uint16(b)) }
	return bmeCal{
		t1: le.Uint16(tph[0:]), t2: s(tph[2:]), t3: s(tph[4:]),
		p1: le.Uint16(tph[6:]), p2: s(tph[8:]), p3: s(tph[10:]), p4: s(tph[12:]),
		p5: s(tph[14:]), p6: s(tph[16:]), p7: s(tph[18:]), p8: s(tph[20:]), p9: s(tph[22:]),
		h1: tph[25], h2: s(h[0:]), h3: h[2],
		h4: int16(int8(h[3]))<<4 | int16(h[4]&0xF),
		h5: int16(int8(h[5]))<<4 | int16(h[4]>>4),
		h6: int8(h[6]),
	}
}

// The compensation formulas below are the datasheet's 32/64-bit integer
// ones (§4.2.3, §8.2), which periph's bmxx80 implements too. The simulator
// inverts them by bisection, so the driver reads back what a scenario wants.

// temp returns t_fine and the temperature in 0.01 °C.
func (c *bmeCal) temp(raw int32) (tFine, centi int32) {
	x := ((raw>>3 - int32(c.t1)<<1) * int32(c.t2)) >> 11
	y := ((((raw>>4 - int32(c.t1)) * (raw>>4 - int32(c.t1))) >> 12) * int32(c.t3)) >> 14
	tFine = x + y
	return tFine, (tFine*5 + 128) >> 8
}

// pressure returns Pa in Q24.8.
func (c *bmeCal) pressure(raw, tFine int32) int64 {
	x := int64(tFine) - 128000
	y := x * x * int64(c.p6)
	y += (x * int64(c.p5)) << 17
	y += int64(c.p4) << 35
	x = (x*x*int64(c.p3))>>8 + ((x * int64(c.p2)) << 12)
	x = ((int64(1)<<47 + x) * int64(c.p1)) >> 33
	if x == 0 {
		return 0
	}
	p := ((((1048576 - int64(raw)) << 31) - y) * 3125) / x
	x = (int64(c.p9) * (p >> 13) * (p >> 13)) >> 25
	y = (int64(c.p8) * p) >> 19
	return ((p + x + y) >> 8) + (int64(c.p7) << 4)
}

// humidity returns %RH in Q22.10.
func (c *bmeCal) humidity(raw, tFine int32) int32 {
	x := tFine - 76800
	x1 := raw<<14 - int32(c.h4)<<20 - int32(c.h5)*x
	x2 := (x1 + 16384) >> 15
	x3 := (x * int32(c.h6)) >> 10
	x4 := (x * int32(c.h3)) >> 11
	x5 := (x3 * (x4 + 32768)) >> 10
	x6 := ((x5+2097152)*int32(c.h2) + 8192) >> 14
	x = x2 * x6
	x -= ((((x >> 15) * (x >> 15)) >> 7) * int32(c.h1)) >> 4
	x = max(0, min(x, 419430400))
	return x >> 12
}

// bisect returns the raw value in [lo, hi] whose f is nearest want, for f
// monotonic (rising if up, else falling).
func bisect(lo, hi int32, up bool, want float64, f func(int32) float64) int32 {
	a, b := lo, hi
	for a < b {
		m := a + (b-a)/2
		if (f(m) < want) == up {
			a = m + 1
		} else {
			b = m
		}
	}
	if a > lo && math.Abs(f(a-1)-want) <= math.Abs(f(a)-want) {
		return a - 1
	}
	return a
}

// raw returns the 20-bit temperature and pressure and 16-bit humidity ADC
// values that compensate to c, and the t_fine they share.
func (cal *bmeCal) raw(c Climate) (t, p, h int32) {
	t = bisect(0, 1<<20-1, true, c.TempC*100, func(r int32) float64 {
		_, v := cal.temp(r)
		return float64(v)
	})
	tFine, _ := cal.temp(t)
	p = bisect(0, 1<<20-1, false, c.PressureHPa*100*256, func(r int32) float64 {
		return float64(cal.pressure(r, tFine))
	})
	h = bisect(0, 1<<16-1, true, c.HumidityRH*1024, func(r int32) float64 {
		return float64(cal.humidity(r, tFine))
	})
	return t, p, h
}
