package fielderr

import (
	"errors"
	"fmt"
	"testing"
)

func TestError(t *testing.T) {
	invalid := errors.New("invalid message")
	for _, tc := range []struct {
		name   string
		err    *Error
		want   string
		wantIs error
	}{
		{name: "field", err: &Error{Field: "pin", Msg: "required"}, want: "pin: required"},
		{name: "whole input", err: &Error{Msg: "empty body (want a JSON object)"}, want: "empty body (want a JSON object)"},
		{name: "wraps a kind", err: &Error{Field: "site", Msg: `"x" is not a site id`, Err: invalid}, want: `site: "x" is not a site id`, wantIs: invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			wrapped := fmt.Errorf("decode: %w", tc.err)
			var fe *Error
			if !errors.As(wrapped, &fe) || fe != tc.err {
				t.Fatalf("errors.As did not find the *Error")
			}
			if got := errors.Unwrap(tc.err); got != tc.wantIs {
				t.Fatalf("Unwrap = %v, want %v", got, tc.wantIs)
			}
		})
	}
}
