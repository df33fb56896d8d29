package clocksync

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// Kernel reads the clock's status from the kernel with adjtimex(2) in
// read-only mode (no capability needed; a systemd SystemCallFilter must
// allow adjtimex, which @system-service does not include).
type Kernel struct{}

// ClockStatus implements Source.
func (Kernel) ClockStatus() (Status, error) {
	var tx unix.Timex // Modes 0: read only
	state, err := unix.Adjtimex(&tx)
	if err != nil {
		return Status{}, fmt.Errorf("clocksync: adjtimex: %w", err)
	}
	return fromTimex(state, int64(tx.Status), int64(tx.Maxerror)), nil
}

// fromTimex interprets adjtimex's result: the clock state, the status bits
// and the maximum error in microseconds.
func fromTimex(state int, status, maxErrorUsec int64) Status {
	return Status{
		Synced:   state != unix.TIME_ERROR && status&unix.STA_UNSYNC == 0,
		MaxError: time.Duration(maxErrorUsec) * time.Microsecond,
	}
}
