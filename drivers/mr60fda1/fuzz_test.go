package mr60fda1

import (
	"bytes"
	"testing"
)

// FuzzScanner feeds arbitrary bytes, whole and split in two, and checks the
// scanner's promises: no panic, every frame it delivers re-encodes to a
// valid frame, the split does not change the result, and good frames
// appended after the noise are still found.
func FuzzScanner(f *testing.F) {
	for _, v := range vectors {
		f.Add(unhex(f, v.frame), uint8(3))
	}
	f.Fuzz(func(t *testing.T, in []byte, cut uint8) {
		var whole, split Scanner
		var got1, got2 [][]byte
		whole.Feed(in, func(fr Frame) { got1 = append(got1, AppendFrame(nil, fr.Control, fr.Command, fr.Data...)) })
		c := min(int(cut), len(in))
		rec := func(fr Frame) { got2 = append(got2, AppendFrame(nil, fr.Control, fr.Command, fr.Data...)) }
		split.Feed(in[:c], rec)
		split.Feed(in[c:], rec)
		if len(got1) != len(got2) || whole.Stats() != split.Stats() {
			t.Fatalf("split at %d changed result: %d vs %d frames, %+v vs %+v", c, len(got1), len(got2), whole.Stats(), split.Stats())
		}
		for i := range got1 {
			if !bytes.Equal(got1[i], got2[i]) {
				t.Fatalf("frame %d differs: % X vs % X", i, got1[i], got2[i])
			}
			if len(got1[i]) > overhead+MaxData {
				t.Fatalf("frame %d longer than MaxData: % X", i, got1[i])
			}
		}
		// After the noise, two good frames (the tail bytes flush any
		// candidate the noise left open) must come through.
		good := AppendFrame(nil, CtrlFall, CmdFall, 1)
		pad := make([]byte, overhead+MaxData)
		n := 0
		whole.Feed(pad, func(Frame) {})
		whole.Feed(good, func(fr Frame) {
			if fr.Control == CtrlFall && fr.Command == CmdFall {
				n++
			}
		})
		if n != 1 {
			t.Fatalf("good frame after noise: got %d, want 1 (stats %+v)", n, whole.Stats())
		}
	})
}
