package daemon

import (
	"errors"
	"testing"
)

// levels is an output that records each level it is driven to.
type levels struct {
	got  []bool
	fail error
}

func (l *levels) Set(on bool) error {
	l.got = append(l.got, on)
	return l.fail
}

// A test holds an output on over whatever the pipeline asks meanwhile, and
// its release puts back what the pipeline last asked.
func TestHeldOutput(t *testing.T) {
	tests := []struct {
		name      string
		before    []bool // the pipeline's Sets before the test
		during    []bool // the pipeline's Sets while the test holds it
		wantWasOn bool
		wantAfter bool
	}{
		{name: "off stays off"},
		{name: "lit by an acknowledgement stays lit", before: []bool{true}, wantWasOn: true, wantAfter: true},
		{name: "switched off before the test", before: []bool{true, false}},
		{name: "an alarm during the test keeps sounding", during: []bool{true}, wantAfter: true},
		{name: "silenced during the test is off after it", before: []bool{true}, during: []bool{false}, wantWasOn: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &levels{}
			o := &heldOutput{out: l}
			for _, on := range tt.before {
				if err := o.Set(on); err != nil {
					t.Fatal(err)
				}
			}
			wasOn, err := o.hold()
			if err != nil || wasOn != tt.wantWasOn {
				t.Fatalf("hold() = %v, %v; want %v, nil", wasOn, err, tt.wantWasOn)
			}
			for _, on := range tt.during {
				o.Set(on)
				if got := l.got[len(l.got)-1]; !got {
					t.Fatalf("the pipeline's Set(%v) during the test drove the output to %v, want on", on, got)
				}
			}
			if !o.on() {
				t.Errorf("on() = false while held")
			}
			if err := o.release(); err != nil {
				t.Fatal(err)
			}
			if got := l.got[len(l.got)-1]; got != tt.wantAfter {
				t.Errorf("after the test the output is driven to %v, want %v (levels %v)", got, tt.wantAfter, l.got)
			}
			if o.on() != tt.wantAfter {
				t.Errorf("on() = %v after the test, want %v", o.on(), tt.wantAfter)
			}
		})
	}
}

func TestHeldOutputReportsDriverErrors(t *testing.T) {
	broken := errors.New("drive GPIO5: input/output error")
	o := &heldOutput{out: &levels{fail: broken}}
	if _, err := o.hold(); !errors.Is(err, broken) {
		t.Errorf("hold() error = %v, want %v", err, broken)
	}
	if err := o.release(); !errors.Is(err, broken) {
		t.Errorf("release() error = %v, want %v", err, broken)
	}
}
