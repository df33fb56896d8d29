package gsm

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Token is one unit of modem output: a line without its line end, or the
// "> " prompt for SMS text, which has none.
type Token struct {
	Line   string
	Prompt bool
}

// maxLine bounds a line; longer ones are line noise and are dropped.
const maxLine = 512

// LineScanner splits modem output into tokens. Lines end at CR or LF;
// empty lines are skipped. It is not safe for concurrent use.
type LineScanner struct {
	buf      []byte
	overlong bool
	// Overlong counts lines dropped for exceeding 512 bytes.
	Overlong uint64
}

// Feed scans p and calls emit for each token.
func (s *LineScanner) Feed(p []byte, emit func(Token)) {
	for _, c := range p {
		switch {
		case c == '\r' || c == '\n':
			if len(s.buf) > 0 && !s.overlong {
				emit(Token{Line: string(s.buf)})
			}
			s.buf, s.overlong = s.buf[:0], false
		case s.overlong:
		case len(s.buf) >= maxLine:
			s.Overlong++
			s.overlong = true
		default:
			s.buf = append(s.buf, c)
			if len(s.buf) == 2 && s.buf[0] == '>' && s.buf[1] == ' ' {
				emit(Token{Prompt: true})
				s.buf = s.buf[:0]
			}
		}
	}
}

// Sentinel errors; CMEError and CMSError carry the modem's code.
var (
	ErrModem   = errors.New("modem answered ERROR")
	ErrTimeout = errors.New("modem did not answer in time")
	ErrNoSIM   = errors.New("no SIM card")
	ErrSyntax  = errors.New("malformed modem answer")
)

// CMEError is a "+CME ERROR: n" (equipment error; 10 is SIM not
// inserted). Text holds the verbose form when the modem sends words.
type CMEError struct {
	Code int
	Text string
}

func (e *CMEError) Error() string {
	if e.Text != "" {
		return "modem error: +CME ERROR: " + e.Text
	}
	return fmt.Sprintf("modem error: +CME ERROR: %d", e.Code)
}

// Is makes errors.Is(err, ErrNoSIM) true for CME error 10.
func (e *CMEError) Is(target error) bool {
	return target == ErrNoSIM && (e.Code == 10 || strings.EqualFold(e.Text, "SIM not inserted"))
}

// CMSError is a "+CMS ERROR: n" (message service error, e.g. 330 SMSC
// address unknown).
type CMSError struct {
	Code int
	Text string
}

func (e *CMSError) Error() string {
	if e.Text != "" {
		return "sms error: +CMS ERROR: " + e.Text
	}
	return fmt.Sprintf("sms error: +CMS ERROR: %d", e.Code)
}

// ParseFinal reports whether line ends a command, and the error it carries.
func ParseFinal(line string) (final bool, err error) {
	switch line {
	case "OK":
		return true, nil
	case "ERROR":
		return true, ErrModem
	case "NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE":
		return true, fmt.Errorf("%w: %s", ErrModem, line)
	}
	if v, ok := strings.CutPrefix(line, "+CME ERROR:"); ok {
		n, text := code(v)
		return true, &CMEError{Code: n, Text: text}
	}
	if v, ok := strings.CutPrefix(line, "+CMS ERROR:"); ok {
		n, text := code(v)
		return true, &CMSError{Code: n, Text: text}
	}
	return false, nil
}

// code reads a numeric error code, or returns the verbose text (code -1).
func code(v string) (int, string) {
	v = strings.TrimSpace(v)
	if n, err := strconv.Atoi(v); err == nil {
		return n, ""
	}
	return -1, v
}

// fields returns the comma-separated integers after "prefix:".
func fields(line, prefix string, n int) ([]int, error) {
	v, ok := strings.CutPrefix(line, prefix+":")
	if !ok {
		return nil, fmt.Errorf("%w: %q is not a %s answer", ErrSyntax, line, prefix)
	}
	parts := strings.Split(strings.TrimSpace(v), ",")
	if len(parts) < n {
		return nil, fmt.Errorf("%w: %q: want %d numbers", ErrSyntax, line, n)
	}
	out := make([]int, n)
	for i := range out {
		x, err := strconv.Atoi(strings.TrimSpace(parts[i]))
		if err != nil {
			return nil, fmt.Errorf("%w: %q: field %d: %v", ErrSyntax, line, i+1, err)
		}
		out[i] = x
	}
	return out, nil
}

// ParseCSQ parses "+CSQ: rssi,ber": rssi 0–31, or 99 for unknown.
func ParseCSQ(line string) (rssi int, err error) {
	f, err := fields(line, "+CSQ", 2)
	if err != nil {
		return 0, err
	}
	if (f[0] < 0 || f[0] > 31) && f[0] != 99 {
		return 0, fmt.Errorf("%w: %q: rssi %d out of range", ErrSyntax, line, f[0])
	}
	return f[0], nil
}

// ParseCREG parses "+CREG: n,stat" and returns stat (1 home, 5 roaming).
func ParseCREG(line string) (stat int, err error) {
	f, err := fields(line, "+CREG", 2)
	if err != nil {
		return 0, err
	}
	return f[1], nil
}

// ParseCPIN parses "+CPIN: READY" and returns the SIM state word.
func ParseCPIN(line string) (string, error) {
	v, ok := strings.CutPrefix(line, "+CPIN:")
	if !ok {
		return "", fmt.Errorf("%w: %q is not a +CPIN answer", ErrSyntax, line)
	}
	return strings.TrimSpace(v), nil
}

// ParseCMGS parses "+CMGS: ref", the reference of a sent message.
func ParseCMGS(line string) (int, error) {
	f, err := fields(line, "+CMGS", 1)
	if err != nil {
		return 0, err
	}
	return f[0], nil
}
