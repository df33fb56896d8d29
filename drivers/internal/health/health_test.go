package health

import (
	"slices"
	"testing"
)

func TestGate(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		samples string // o good, x failed
		want    string // one letter per sample: F fault starts, R fault ends, . nothing
	}{
		{name: "healthy", n: 3, samples: "oooo", want: "...."},
		{name: "blips", n: 3, samples: "oxxoxxo", want: "......."},
		{name: "fault and recovery", n: 3, samples: "xxxxxooo", want: "..F....R"},
		{name: "storm stays one fault", n: 3, samples: "xxxoxooxoxxoooo", want: "..F..........R."},
		{name: "n of one", n: 1, samples: "xoxo", want: "FRFR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Gate{N: tt.n}
			var got []byte
			for _, c := range []byte(tt.samples) {
				switch {
				case c == 'x' && d.Fail():
					got = append(got, 'F')
				case c == 'o' && d.OK():
					got = append(got, 'R')
				default:
					got = append(got, '.')
				}
			}
			if !slices.Equal(got, []byte(tt.want)) {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}
