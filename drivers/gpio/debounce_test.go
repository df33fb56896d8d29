package gpio

import (
	"testing"
	"time"
)

func TestDebouncer(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	type read struct {
		at    time.Duration
		level bool
	}
	tests := []struct {
		name  string
		hold  time.Duration
		reads []read
		want  []bool // the levels reported, in order
	}{
		{name: "initial level is reported once it held", hold: 30 * time.Millisecond,
			reads: []read{{0, false}, {10 * time.Millisecond, false}, {30 * time.Millisecond, false}, {40 * time.Millisecond, false}},
			want:  []bool{false}},
		{name: "bounces within the hold report only the settled level", hold: 30 * time.Millisecond,
			reads: []read{{0, false}, {30 * time.Millisecond, false}, {32 * time.Millisecond, true}, {34 * time.Millisecond, false}, {36 * time.Millisecond, true}, {38 * time.Millisecond, false}, {40 * time.Millisecond, true}, {70 * time.Millisecond, true}},
			want:  []bool{false, true}},
		{name: "a flicker shorter than the hold reports nothing", hold: 30 * time.Millisecond,
			reads: []read{{0, false}, {30 * time.Millisecond, false}, {40 * time.Millisecond, true}, {50 * time.Millisecond, false}, {200 * time.Millisecond, false}},
			want:  []bool{false}},
		{name: "press and release", hold: 30 * time.Millisecond,
			reads: []read{{0, false}, {30 * time.Millisecond, false}, {100 * time.Millisecond, true}, {130 * time.Millisecond, true}, {500 * time.Millisecond, false}, {530 * time.Millisecond, false}},
			want:  []bool{false, true, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := debouncer{hold: tc.hold}
			var got []bool
			for _, r := range tc.reads {
				if v, ok := d.observe(t0.Add(r.at), r.level); ok {
					got = append(got, v)
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestDebouncerDeadline(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	d := debouncer{hold: 30 * time.Millisecond}
	if _, ok := d.observe(t0, true); ok {
		t.Fatal("reported before the hold time")
	}
	at, ok := d.deadline()
	if !ok || !at.Equal(t0.Add(30*time.Millisecond)) {
		t.Fatalf("deadline: got %v %v, want %v true", at, ok, t0.Add(30*time.Millisecond))
	}
	d.observe(t0.Add(30*time.Millisecond), true)
	if _, ok := d.deadline(); ok {
		t.Fatal("deadline after the level settled: want none")
	}
}
