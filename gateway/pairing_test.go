package gateway

import (
	"context"
	"testing"

	"github.com/safehub-iot/safehub/event"
)

type fakePairing struct{}

func (fakePairing) Pair(context.Context, Env, PairRequest) (Paired, error) { return Paired{}, nil }

func TestPairingDriverFoundByKind(t *testing.T) {
	Register(&Driver{Name: "test-pairs-leak", Kinds: []event.SensorKind{"water_leak_test"}, Pairing: fakePairing{}})
	Register(&Driver{Name: "test-wired-leak", Kinds: []event.SensorKind{"wired_leak_test"}})
	tests := []struct {
		name string
		kind event.SensorKind
		want string
	}{
		{"a driver with the ability", "water_leak_test", "test-pairs-leak"},
		{"a driver without it", "wired_leak_test", ""},
		{"no driver at all", "nothing_test", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if d := PairingDriver(tt.kind); d != nil {
				got = d.Name
			}
			if got != tt.want {
				t.Errorf("PairingDriver(%q) = %q, want %q", tt.kind, got, tt.want)
			}
		})
	}
	kinds := PairableKinds()
	found := false
	for _, k := range kinds {
		if k == "wired_leak_test" {
			t.Errorf("PairableKinds lists %q, whose driver cannot pair", k)
		}
		found = found || k == "water_leak_test"
	}
	if !found {
		t.Errorf("PairableKinds = %v, want it to hold water_leak_test", kinds)
	}
}
