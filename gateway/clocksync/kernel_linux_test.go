package clocksync

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestFromTimex(t *testing.T) {
	tests := []struct {
		name   string
		state  int
		status int64
		maxErr int64
		want   Status
	}{
		{"synced", unix.TIME_OK, unix.STA_PLL, 40_000, Status{Synced: true, MaxError: 40 * time.Millisecond}},
		{"unsync bit", unix.TIME_OK, unix.STA_UNSYNC, 16_000_000, Status{Synced: false, MaxError: 16 * time.Second}},
		{"time error", unix.TIME_ERROR, 0, 1000, Status{Synced: false, MaxError: time.Millisecond}},
		{"leap second pending", unix.TIME_INS, unix.STA_INS, 1000, Status{Synced: true, MaxError: time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fromTimex(tt.state, tt.status, tt.maxErr); got != tt.want {
				t.Errorf("fromTimex = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestKernelReads(t *testing.T) {
	// The host's clock may or may not be synchronized; only the call is
	// checked here, never its answer.
	if _, err := (Kernel{}).ClockStatus(); err != nil {
		t.Fatalf("ClockStatus: %v", err)
	}
}
