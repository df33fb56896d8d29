package scenario

import (
	"bytes"
	"testing"
)

// FuzzParse feeds Parse arbitrary bytes: it must never panic, and whatever
// it accepts must be a usable scenario.
func FuzzParse(f *testing.F) {
	f.Add([]byte(goodFile))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := Parse(bytes.NewReader(data))
		if err != nil {
			if sc != nil {
				t.Fatalf("got a scenario with error %v", err)
			}
			if err.Error() == "" {
				t.Fatal("empty error text")
			}
			return
		}
		if sc.Name == "" || sc.Duration <= 0 {
			t.Fatalf("accepted a scenario without name or duration: %+v", sc)
		}
		for _, op := range sc.Ops() {
			if op.At < 0 || op.At > sc.Duration {
				t.Fatalf("op at %v outside 0..%v", op.At, sc.Duration)
			}
			if _, ok := actions[op.Step.Do]; !ok {
				t.Fatalf("accepted unknown action %q", op.Step.Do)
			}
		}
	})
}
