//go:build !linux

package clocksync

// Kernel reads the clock's status from the kernel; only Linux has it.
type Kernel struct{}

// ClockStatus implements Source; here it always fails, so the clock is
// treated as unsure.
func (Kernel) ClockStatus() (Status, error) { return Status{}, ErrUnsupported }
