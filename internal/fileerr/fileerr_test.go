package fileerr

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorMessage(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  Error
		want string
	}{
		{name: "file, line and field", err: Error{File: "rules.yaml", Line: 4, Field: "rules[0].sensors[0]", Msg: "unknown sensor"}, want: "rules.yaml:4: rules[0].sensors[0]: unknown sensor"},
		{name: "line and field", err: Error{Line: 3, Field: "sensors[2].options.pin", Msg: "required"}, want: "line 3: sensors[2].options.pin: required"},
		{name: "line only", err: Error{Line: 7, Msg: "invalid YAML: found a tab"}, want: "line 7: invalid YAML: found a tab"},
		{name: "file without line", err: Error{File: "rules.yaml", Msg: "too large"}, want: "rules.yaml: too large"},
		{name: "field without line", err: Error{Field: "store.path", Msg: "required"}, want: "store.path: required"},
		{name: "message only", err: Error{Msg: "file is larger than 1048576 bytes"}, want: "file is larger than 1048576 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// Errors prints one mistake a line, errors.As finds each one through
// wrapping, and SortByLine keeps the order of mistakes on one line.
func TestErrors(t *testing.T) {
	es := Errors{
		{Line: 9, Msg: "c"},
		{Line: 2, Field: "b", Msg: "second on line 2"},
		{Line: 2, Field: "a", Msg: "third on line 2"},
		{Msg: "whole file"},
	}
	es.SortByLine()
	want := "whole file\nline 2: b: second on line 2\nline 2: a: third on line 2\nline 9: c"
	if got := es.Error(); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	err := fmt.Errorf("rules file x: %w", es)
	var back Errors
	if !errors.As(err, &back) || len(back) != 4 {
		t.Fatalf("errors.As Errors = %v, want the list", back)
	}
	var one *Error
	if !errors.As(err, &one) || one.Msg != "whole file" {
		t.Fatalf("errors.As *Error = %v, want the first mistake", one)
	}
	if !errors.Is(err, es[3]) {
		t.Fatal("errors.Is does not find the last mistake")
	}
}

func TestYAMLLine(t *testing.T) {
	for _, tc := range []struct {
		in       string
		wantLine int
		wantMsg  string
	}{
		{in: "yaml: line 3: found character that cannot start any token", wantLine: 3, wantMsg: "found character that cannot start any token"},
		{in: "line 12: cannot unmarshal !!str `abc` into int", wantLine: 12, wantMsg: "cannot unmarshal !!str `abc` into int"},
		{in: "yaml: did not find expected node content", wantMsg: "did not find expected node content"},
		{in: "yaml: line x: odd", wantMsg: "line x: odd"},
		{in: "line 4 without colon", wantMsg: "line 4 without colon"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			line, msg := YAMLLine(tc.in)
			if line != tc.wantLine || msg != tc.wantMsg {
				t.Fatalf("got %d, %q; want %d, %q", line, msg, tc.wantLine, tc.wantMsg)
			}
		})
	}
}
