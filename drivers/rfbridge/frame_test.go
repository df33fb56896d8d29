package rfbridge

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

func unhex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		tb.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// code is a received-code frame as a Sonoff RF Bridge sends it: sync
// 0x2328 µs (9000), low 0x0118 (280), high 0x0384 (900), code A1B2C3.
const code = "AA A4 23 28 01 18 03 84 A1 B2 C3 55"

func TestScanner(t *testing.T) {
	tests := []struct {
		name   string
		stream string
		codes  []Code
		want   Stats
	}{
		{"one code", code, []Code{0xA1B2C3}, Stats{Frames: 1}},
		{"ack and learn timeout", "AA A0 55 AA A2 55", nil, Stats{Frames: 2}},
		{"garbage around", "00 55 " + code + " 13", []Code{0xA1B2C3}, Stats{Frames: 1, Garbage: 3}},
		{"missing end then good", "AA A4 23 28 01 18 03 84 A1 B2 C3 " + code, []Code{0xA1B2C3}, Stats{Frames: 1, BadFrame: 1, Garbage: 10}},
		{"cut short then good", "AA A4 23 28 " + code, []Code{0xA1B2C3}, Stats{Frames: 1, BadFrame: 1, Garbage: 3}},
		{"unknown command", "AA 17 " + code, []Code{0xA1B2C3}, Stats{Frames: 1, UnknownCmd: 1, Garbage: 1}},
		{"start byte inside payload", "AA A4 AA A4 23 28 01 18 03 84 A1 B2 C3 55", []Code{0xA1B2C3}, Stats{Frames: 1, BadFrame: 1, Garbage: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s Scanner
			var got []Code
			s.Feed(unhex(t, tc.stream), func(f Frame) {
				if f.Command == CmdReceived {
					got = append(got, f.Code)
				}
			})
			if len(got) != len(tc.codes) {
				t.Fatalf("got codes %v, want %v", got, tc.codes)
			}
			for i := range got {
				if got[i] != tc.codes[i] {
					t.Errorf("code %d = %v, want %v", i, got[i], tc.codes[i])
				}
			}
			if s.Stats() != tc.want {
				t.Errorf("stats = %+v, want %+v", s.Stats(), tc.want)
			}
		})
	}
}

func TestFrameFields(t *testing.T) {
	var s Scanner
	var got Frame
	s.Feed(unhex(t, code), func(f Frame) { got = f })
	want := Frame{Command: CmdReceived, Sync: 9000, Low: 280, High: 900, Code: 0xA1B2C3}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if a, d := got.Code.Address(), got.Code.Data(); a != 0xA1B2C || d != 3 {
		t.Errorf("address, data = %05X, %X; want A1B2C, 3", a, d)
	}
	if enc := AppendCode(nil, 9000, 280, 900, 0xA1B2C3); !bytes.Equal(enc, unhex(t, code)) {
		t.Errorf("AppendCode = % X, want %s", enc, code)
	}
}
