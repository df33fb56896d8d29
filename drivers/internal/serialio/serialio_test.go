package serialio

import (
	"errors"
	"io"
	"testing"
)

// script is a port whose reads return the given results in order.
type script []struct {
	data string
	err  error
}

func (s *script) Read(p []byte) (int, error) {
	if len(*s) == 0 {
		return 0, errors.New("script exhausted")
	}
	r := (*s)[0]
	*s = (*s)[1:]
	return copy(p, r.data), r.err
}

func TestRead(t *testing.T) {
	closed := errors.New("port closed")
	tests := []struct {
		name     string
		port     script
		want     string
		wantErr  error
		leftOver int
	}{
		{"bytes at once", script{{"OK\r\n", nil}}, "OK\r\n", nil, 0},
		{"idle lines are waited out", script{{"", io.EOF}, {"", io.EOF}, {"RING", nil}}, "RING", nil, 0},
		{"bytes with EOF are data", script{{"x", io.EOF}, {"y", nil}}, "x", io.EOF, 1},
		{"a real error ends it", script{{"", io.EOF}, {"", closed}}, "", closed, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			port := tc.port
			buf := make([]byte, 16)
			n, err := Read(&port, buf)
			if got := string(buf[:n]); got != tc.want {
				t.Errorf("read %q, want %q", got, tc.want)
			}
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			}
			if len(port) != tc.leftOver {
				t.Errorf("%d reads left, want %d", len(port), tc.leftOver)
			}
		})
	}
}
