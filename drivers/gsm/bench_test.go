package gsm

import (
	"strings"
	"testing"
)

func BenchmarkLineScanner(b *testing.B) {
	in := []byte(strings.Repeat("\r\n+CSQ: 18,99\r\n\r\nOK\r\n\r\nRING\r\n", 50))
	var s LineScanner
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		s.Feed(in, func(Token) {})
	}
}
