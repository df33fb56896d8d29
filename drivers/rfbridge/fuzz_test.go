package rfbridge

import "testing"

// FuzzScanner checks that no input panics the scanner, that splitting the
// input does not change what comes out, that every code fits in 24 bits,
// and that a good frame after the noise is still found.
func FuzzScanner(f *testing.F) {
	f.Add(unhex(f, code), uint8(4))
	f.Fuzz(func(t *testing.T, in []byte, cut uint8) {
		var whole, split Scanner
		var a, b []Frame
		whole.Feed(in, func(fr Frame) { a = append(a, fr) })
		c := min(int(cut), len(in))
		split.Feed(in[:c], func(fr Frame) { b = append(b, fr) })
		split.Feed(in[c:], func(fr Frame) { b = append(b, fr) })
		if len(a) != len(b) || whole.Stats() != split.Stats() {
			t.Fatalf("split at %d changed result: %v vs %v", c, a, b)
		}
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("frame %d: %+v vs %+v", i, a[i], b[i])
			}
			if a[i].Code > 0xFFFFFF {
				t.Fatalf("code %X wider than 24 bits", a[i].Code)
			}
		}
		// Twelve non-start bytes flush any open candidate.
		whole.Feed(make([]byte, codeFrameLen), func(Frame) {})
		n := 0
		whole.Feed(AppendCode(nil, 1, 2, 3, 0x123456), func(fr Frame) {
			if fr.Code == 0x123456 {
				n++
			}
		})
		if n != 1 {
			t.Fatalf("good frame after noise: got %d, want 1", n)
		}
	})
}
