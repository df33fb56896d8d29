package gsm

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestLineScanner(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Token
	}{
		{"ok", "\r\nOK\r\n", []Token{{Line: "OK"}}},
		{"csq", "\r\n+CSQ: 18,99\r\n\r\nOK\r\n", []Token{{Line: "+CSQ: 18,99"}, {Line: "OK"}}},
		{"echo and answer", "AT+CSQ\r\r\n+CSQ: 5,0\r\n\r\nOK\r\n", []Token{{Line: "AT+CSQ"}, {Line: "+CSQ: 5,0"}, {Line: "OK"}}},
		{"prompt", "\r\n> ", []Token{{Prompt: true}}},
		{"urc between", "\r\nRING\r\n\r\n+CMTI: \"SM\",3\r\n\r\nOK\r\n", []Token{{Line: "RING"}, {Line: "+CMTI: \"SM\",3"}, {Line: "OK"}}},
		{"overlong dropped", "\r\n" + strings.Repeat("x", 600) + "\r\nOK\r\n", []Token{{Line: "OK"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s LineScanner
			var got []Token
			for i := range len(tc.in) { // byte by byte, as a slow line delivers it
				s.Feed([]byte{tc.in[i]}, func(tok Token) { got = append(got, tok) })
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestParseFinal(t *testing.T) {
	tests := []struct {
		name   string
		line   string
		final  bool
		err    error
		target any
	}{
		{"ok", "OK", true, nil, nil},
		{"error", "ERROR", true, ErrModem, nil},
		{"no sim", "+CME ERROR: 10", true, ErrNoSIM, nil},
		{"no sim verbose", "+CME ERROR: SIM not inserted", true, ErrNoSIM, nil},
		{"cms", "+CMS ERROR: 330", true, nil, &CMSError{Code: 330}},
		{"data line", "+CSQ: 18,99", false, nil, nil},
		{"urc", "RING", false, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			final, err := ParseFinal(tc.line)
			if final != tc.final {
				t.Errorf("final = %v, want %v", final, tc.final)
			}
			switch {
			case tc.err != nil && !errors.Is(err, tc.err):
				t.Errorf("err = %v, want %v", err, tc.err)
			case tc.target != nil:
				var cms *CMSError
				if !errors.As(err, &cms) || *cms != *tc.target.(*CMSError) {
					t.Errorf("err = %v, want %v", err, tc.target)
				}
			case tc.err == nil && tc.target == nil && err != nil:
				t.Errorf("err = %v, want nil", err)
			}
		})
	}
}

func TestParseAnswers(t *testing.T) {
	tests := []struct {
		name    string
		parse   func(string) (int, error)
		line    string
		want    int
		wantErr bool
	}{
		{"csq", ParseCSQ, "+CSQ: 18,99", 18, false},
		{"csq unknown", ParseCSQ, "+CSQ: 99,99", 99, false},
		{"csq out of range", ParseCSQ, "+CSQ: 45,0", 0, true},
		{"csq garbage", ParseCSQ, "+CSQ: x", 0, true},
		{"creg home", ParseCREG, "+CREG: 0,1", 1, false},
		{"creg roaming", ParseCREG, "+CREG: 0,5", 5, false},
		{"creg short", ParseCREG, "+CREG: 1", 0, true},
		{"cmgs", ParseCMGS, "+CMGS: 42", 42, false},
		{"wrong prefix", ParseCMGS, "+CSQ: 42", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.parse(tc.line)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("got %d, %v; want %d, error %v", got, err, tc.want, tc.wantErr)
			}
			if err != nil && !errors.Is(err, ErrSyntax) {
				t.Errorf("err %v does not wrap ErrSyntax", err)
			}
		})
	}
}
