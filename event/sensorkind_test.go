package event

import (
	"strings"
	"testing"
)

func TestParseSensorKind(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    SensorKind
		wantErr string
	}{
		{"call button", "call_button", CallButton, ""},
		{"fall radar", "fall", Fall, ""},
		{"unknown", "toaster", "", `unknown sensor kind "toaster" (want one of call_button, pendant, door, smoke, motion, mains_power, gas, climate, fall, reset_button)`},
		{"case matters", "Smoke", "", `unknown sensor kind "Smoke"`},
		{"empty", "", "", `unknown sensor kind ""`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseSensorKind(tc.in)
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("err = %v, want none", err)
			case tc.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.wantErr)):
				t.Errorf("err = %v, want %s...", err, tc.wantErr)
			}
		})
	}
}

func TestSensorKindsAreKnownAndDistinct(t *testing.T) {
	seen := map[SensorKind]bool{}
	for _, k := range SensorKinds() {
		if !k.Known() {
			t.Errorf("%q is listed but not Known", k)
		}
		if seen[k] {
			t.Errorf("%q is listed twice", k)
		}
		seen[k] = true
	}
	if len(seen) != 10 {
		t.Errorf("%d kinds, want 10", len(seen))
	}
	SensorKinds()[0] = "changed"
	if SensorKinds()[0] != CallButton {
		t.Error("SensorKinds returned the package's own slice")
	}
}

func TestJoinSensorKinds(t *testing.T) {
	if got, want := JoinSensorKinds([]SensorKind{Pendant, Door, Smoke}, ", "), "pendant, door, smoke"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := JoinSensorKinds(nil, ", "); got != "" {
		t.Errorf("empty list joined to %q", got)
	}
}
