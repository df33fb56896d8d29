package gpio

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/safehub-iot/safehub/gateway"
)

// maxGPIO is the highest GPIO line on a Raspberry Pi's 40-pin header.
const maxGPIO = 27

// headerGPIO maps a Raspberry Pi P1 header pin (physical number) to the
// GPIO line it carries; the other header pins are power or ground.
var headerGPIO = map[int]int{
	3: 2, 5: 3, 7: 4, 8: 14, 10: 15, 11: 17, 12: 18, 13: 27, 15: 22, 16: 23,
	18: 24, 19: 10, 21: 9, 22: 25, 23: 11, 24: 8, 26: 7, 27: 0, 28: 1, 29: 5,
	31: 6, 32: 12, 33: 13, 35: 19, 36: 16, 37: 26, 38: 20, 40: 21,
}

// canonicalPin checks a pin name without touching hardware and returns the
// GPIO line it names as "GPIO<n>": GPIO0–GPIO27, a P1 header pin that
// carries one of those (P1_11 is GPIO17), or a bare line number.
func canonicalPin(field, name string) (string, error) {
	if name == "" {
		return "", &gateway.FieldError{Field: field, Msg: "required: the pin name, e.g. GPIO17"}
	}
	notPin := &gateway.FieldError{Field: field, Msg: fmt.Sprintf("%q is not a pin name: expected GPIO<n> (e.g. GPIO17), a header pin such as P1_11, or a number", name)}
	if rest, ok := strings.CutPrefix(name, "P1_"); ok {
		n, err := strconv.Atoi(rest)
		if err != nil || rest == "" || rest[0] == '+' || rest[0] == '-' {
			return "", notPin
		}
		if n < 1 || n > 40 {
			return "", &gateway.FieldError{Field: field, Msg: fmt.Sprintf("%q: the header has pins P1_1 to P1_40", name)}
		}
		line, ok := headerGPIO[n]
		if !ok {
			return "", &gateway.FieldError{Field: field, Msg: fmt.Sprintf("%q is a power or ground pin, not a GPIO", name)}
		}
		return fmt.Sprintf("GPIO%d", line), nil
	}
	digits := strings.TrimPrefix(name, "GPIO")
	if digits == "" || len(digits) > 3 || strings.Trim(digits, "0123456789") != "" {
		return "", notPin
	}
	n, _ := strconv.Atoi(digits)
	if n > maxGPIO {
		return "", &gateway.FieldError{Field: field, Msg: fmt.Sprintf("%q: a Raspberry Pi has GPIO0 to GPIO%d", name, maxGPIO)}
	}
	return fmt.Sprintf("GPIO%d", n), nil
}

// GPIOPin reports the line the input uses, as GPIO<n>, so config
// validation can reject two devices on one pin.
func (in *Input) GPIOPin() string { return in.line }

// GPIOPin reports the line the output drives, as GPIO<n>.
func (o *OutputPin) GPIOPin() string { return o.line }
