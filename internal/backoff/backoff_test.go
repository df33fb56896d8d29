package backoff

import (
	"testing"
	"time"
)

func TestDelay(t *testing.T) {
	full := func(d time.Duration) time.Duration { return d }
	tests := []struct {
		name string
		p    Policy
		n    int
		want time.Duration
	}{
		{"first failure waits Min", Policy{Min: time.Second, Max: 30 * time.Second, Jitter: full}, 1, time.Second},
		{"doubles", Policy{Min: time.Second, Max: 30 * time.Second, Jitter: full}, 3, 4 * time.Second},
		{"capped at Max", Policy{Min: time.Second, Max: 30 * time.Second, Jitter: full}, 6, 30 * time.Second},
		{"stays capped", Policy{Min: time.Second, Max: 30 * time.Second, Jitter: full}, 1000, 30 * time.Second},
		{"Max below Min means Min", Policy{Min: time.Second, Max: time.Millisecond, Jitter: full}, 4, time.Second},
		{"jitter sees the capped delay", Policy{Min: time.Second, Max: 30 * time.Second,
			Jitter: func(d time.Duration) time.Duration { return d / 2 }}, 2, time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.Delay(tc.n); got != tc.want {
				t.Errorf("Delay(%d) = %v, want %v", tc.n, got, tc.want)
			}
		})
	}
}

func TestDelayRandomJitterStaysInHalfToFull(t *testing.T) {
	p := Policy{Min: 100 * time.Millisecond, Max: 2 * time.Second}
	for n := 1; n < 10; n++ {
		d := min(p.Min<<(n-1), p.Max)
		for range 100 {
			if got := p.Delay(n); got < d/2 || got > d {
				t.Fatalf("Delay(%d) = %v, want in [%v, %v]", n, got, d/2, d)
			}
		}
	}
}
