package gsm

import (
	"strings"
	"testing"
)

// FuzzATResponse feeds arbitrary modem output through the line scanner and
// every answer parser: nothing may panic, lines never hold a line end or
// exceed maxLine, and a parser either succeeds within its ranges or
// returns an error.
func FuzzATResponse(f *testing.F) {
	f.Add([]byte("\r\n+CSQ: 18,99\r\n\r\nOK\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		var s LineScanner
		s.Feed(in, func(tok Token) {
			if tok.Prompt {
				return
			}
			if tok.Line == "" || len(tok.Line) > maxLine || strings.ContainsAny(tok.Line, "\r\n") {
				t.Fatalf("bad line %q", tok.Line)
			}
			if final, err := ParseFinal(tok.Line); !final && err != nil {
				t.Fatalf("non-final line with error %v", err)
			}
			if rssi, err := ParseCSQ(tok.Line); err == nil && (rssi < 0 || rssi > 31) && rssi != 99 {
				t.Fatalf("rssi %d accepted from %q", rssi, tok.Line)
			}
			ParseCREG(tok.Line)
			ParseCPIN(tok.Line)
			ParseCMGS(tok.Line)
		})
	})
}
