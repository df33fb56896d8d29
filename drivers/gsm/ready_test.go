package gsm

import (
	"errors"
	"fmt"
	"testing"
)

func TestNotReady(t *testing.T) {
	ok := Health{SIM: "READY", Registered: true, Stat: 1, RSSI: 18}
	other := errors.New("read modem: EOF")
	tests := []struct {
		name    string
		h       Health
		err     error
		want    string // "" means ready
		wantErr error
	}{
		{"ready", ok, nil, "", nil},
		{"roaming at the limit", Health{SIM: "READY", Registered: true, Stat: 5, RSSI: 5}, nil, "", nil},
		{"no SIM", Health{}, fmt.Errorf("check SIM: %w", ErrNoSIM), "no SIM card", ErrNoSIM},
		{"not answering", Health{}, fmt.Errorf("init modem: AT: %w", ErrTimeout), "modem not answering", ErrTimeout},
		{"other error", Health{}, other, "read modem: EOF", other},
		{"SIM locked", Health{SIM: "SIM PIN"}, nil, "SIM not ready: SIM PIN", nil},
		{"not registered", Health{SIM: "READY", Stat: 2, RSSI: 18}, nil, "not registered on a network (+CREG stat 2)", nil},
		{"weak", Health{SIM: "READY", Registered: true, Stat: 1, RSSI: 4}, nil, "weak signal (rssi 4, want at least 5)", nil},
		{"unknown signal", Health{SIM: "READY", Registered: true, Stat: 1, RSSI: 99}, nil, "weak signal (rssi 99, want at least 5)", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := notReady(tc.h, tc.err, 5)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("notReady = %q, want %q", got, tc.want)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("err = %v, want it to wrap %v", err, tc.wantErr)
			}
		})
	}
}
