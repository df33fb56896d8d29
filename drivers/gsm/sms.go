package gsm

import (
	"encoding/hex"
	"strings"
	"unicode/utf16"
)

// part is one SMS as sent: GSM text, or UCS-2 hex.
type part struct {
	ucs2 bool
	text string
}

// gsmSafe reports whether r is in the GSM 03.38 basic alphabet and is
// mapped the same way from ASCII by the modem's "GSM" character set.
func gsmSafe(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return true
	case r == '\n':
		return true
	}
	// ASCII punctuation in the basic table; [ ] { } \ ^ ~ | ` are not.
	for _, c := range " !\"#%&'()*+,-./:;<=>?@_$" {
		if r == c {
			return true
		}
	}
	return false
}

// splitSMS splits text into messages: 160 GSM characters each, or 70
// UTF-16 units each (never splitting a surrogate pair) when any character
// needs UCS-2.
//
// Control characters other than LF become spaces first: Ctrl-Z (0x1A) would
// end the text early and ESC (0x1B) cancel it.
func splitSMS(text string) []part {
	text = strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\n') || r == 0x7F {
			return ' '
		}
		return r
	}, text)
	ucs2 := false
	for _, r := range text {
		if !gsmSafe(r) {
			ucs2 = true
			break
		}
	}
	if !ucs2 {
		var out []part
		for len(text) > 160 {
			out = append(out, part{text: text[:160]})
			text = text[160:]
		}
		return append(out, part{text: text})
	}
	u := utf16.Encode([]rune(text))
	var out []part
	for len(u) > 0 {
		n := min(70, len(u))
		if n < len(u) && utf16.IsSurrogate(rune(u[n-1])) && u[n-1] < 0xDC00 {
			n-- // keep a high surrogate with its low half
		}
		out = append(out, part{ucs2: true, text: hexUnits(u[:n])})
		u = u[n:]
	}
	return out
}

// ucs2Hex encodes s as the modem's UCS2 character set wants: the UTF-16BE
// units in upper-case hex.
func ucs2Hex(s string) string { return hexUnits(utf16.Encode([]rune(s))) }

func hexUnits(u []uint16) string {
	b := make([]byte, 0, 2*len(u))
	for _, x := range u {
		b = append(b, byte(x>>8), byte(x))
	}
	return upper(hex.EncodeToString(b))
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
