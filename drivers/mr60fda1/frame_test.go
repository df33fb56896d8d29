package mr60fda1

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

// unhex decodes a frame written as in devices.md ("53 59 01 ...").
func unhex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		tb.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// The vendor frames from ../shared/reference/devices.md.
var vectors = []struct {
	name      string
	frame     string
	ctrl, cmd byte
	data      byte
}{
	{"heartbeat", "53 59 01 01 00 01 0F BE 54 43", 0x01, 0x01, 0x0F},
	{"someone present", "53 59 80 01 00 01 01 2F 54 43", 0x80, 0x01, 0x01},
	{"moving", "53 59 80 02 00 01 02 31 54 43", 0x80, 0x02, 0x02},
	{"fall", "53 59 83 01 00 01 01 32 54 43", 0x83, 0x01, 0x01},
	{"no fall", "53 59 83 01 00 01 00 31 54 43", 0x83, 0x01, 0x00},
	{"stationary residency", "53 59 83 05 00 01 01 36 54 43", 0x83, 0x05, 0x01},
	{"module reset", "53 59 01 02 00 01 0F BF 54 43", 0x01, 0x02, 0x0F},
	{"firmware query", "53 59 02 A4 00 01 0F 62 54 43", 0x02, 0xA4, 0x0F},
}

func TestVendorVectors(t *testing.T) {
	for _, tc := range vectors {
		t.Run(tc.name, func(t *testing.T) {
			want := unhex(t, tc.frame)
			if got := AppendFrame(nil, tc.ctrl, tc.cmd, tc.data); !bytes.Equal(got, want) {
				t.Errorf("AppendFrame = % X, want % X", got, want)
			}
			var s Scanner
			var got []Frame
			s.Feed(want, func(f Frame) { f.Data = bytes.Clone(f.Data); got = append(got, f) })
			if len(got) != 1 {
				t.Fatalf("got %d frames, want 1 (stats %+v)", len(got), s.Stats())
			}
			if f := got[0]; f.Control != tc.ctrl || f.Command != tc.cmd || !bytes.Equal(f.Data, []byte{tc.data}) {
				t.Errorf("got %v, want %02X/%02X %02X", f, tc.ctrl, tc.cmd, tc.data)
			}
		})
	}
}

func TestScannerResync(t *testing.T) {
	fall := "53 59 83 01 00 01 01 32 54 43"
	tests := []struct {
		name   string
		stream string
		frames int
		want   Stats
	}{
		{"garbage before and after", "00 11 53 22 " + fall + " FF 54 43", 1, Stats{Frames: 1, Garbage: 7}},
		{"bad checksum then good", "53 59 83 01 00 01 01 33 54 43 " + fall, 1, Stats{Frames: 1, BadChecksum: 1, Garbage: 8}},
		{"truncated then good", "53 59 83 01 00 01 " + fall, 1, Stats{Frames: 1, Truncated: 1, Garbage: 4}},
		{"oversize then good", "53 59 83 01 FF FF " + fall, 1, Stats{Frames: 1, Oversize: 1, Garbage: 4}},
		{"two frames back to back", fall + " " + fall, 2, Stats{Frames: 2}},
		{"header inside data", "53 59 80 03 00 02 53 59 DD 54 43", 1, Stats{Frames: 1}},
		// 53 59 53 53 reads as length 0x5353: oversize; three lone 53s are garbage.
		{"repeated header bytes", "53 53 59 53 53 " + fall, 1, Stats{Frames: 1, Garbage: 3, Oversize: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := unhex(t, tc.stream)
			// Whole, and byte by byte: the result must not depend on how
			// reads split the stream.
			for _, step := range []int{len(in), 1} {
				var s Scanner
				n := 0
				for i := 0; i < len(in); i += step {
					s.Feed(in[i:min(i+step, len(in))], func(Frame) { n++ })
				}
				if n != tc.frames {
					t.Errorf("step %d: got %d frames, want %d", step, n, tc.frames)
				}
				if got := s.Stats(); got != tc.want {
					t.Errorf("step %d: stats = %+v, want %+v", step, got, tc.want)
				}
			}
		})
	}
}

func TestQueryFrame(t *testing.T) {
	got := QueryFrame(CtrlFall, CmdFall)
	want := AppendFrame(nil, 0x83, 0x81, 0x0F)
	if !bytes.Equal(got, want) {
		t.Errorf("QueryFrame = % X, want % X", got, want)
	}
}

func BenchmarkScanner(b *testing.B) {
	var stream []byte
	for range 100 {
		stream = AppendFrame(stream, CtrlPresence, CmdMovement, 0x20)
	}
	var s Scanner
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		s.Feed(stream, func(Frame) {})
	}
}
