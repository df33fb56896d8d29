package rfbridge

import "fmt"

// Bridge frames: AA | command | payload | 55. A received code (A4) and a
// learned code (A3) carry sync, low and high times (2 bytes each, µs,
// big-endian) and the 24-bit code; the acknowledgement (A0) and the learn
// timeout (A2) carry nothing.
const (
	start = 0xAA
	end   = 0x55

	CmdAck          = 0xA0 // host → bridge and bridge → host: acknowledge
	CmdLearnTimeout = 0xA2 // bridge: its own learn mode timed out
	CmdLearned      = 0xA3 // bridge: code learned in its own learn mode
	CmdReceived     = 0xA4 // bridge: code received
)

// codeFrameLen is the size of an A3/A4 frame.
const codeFrameLen = 12

// Code is an EV1527-style 24-bit code: a 20-bit device address and 4 data
// bits whose meaning depends on the device.
type Code uint32

// Address is the device's fixed 20-bit address.
func (c Code) Address() uint32 { return uint32(c) >> 4 }

// Data is the 4 data bits (button or status).
func (c Code) Data() uint8 { return uint8(c) & 0x0F }

func (c Code) String() string { return fmt.Sprintf("%06X", uint32(c)&0xFFFFFF) }

// Frame is one bridge frame. Times are zero for frames without them.
type Frame struct {
	Command         byte
	Sync, Low, High uint16
	Code            Code
}

// AppendCode appends a received-code frame (A4) to dst.
func AppendCode(dst []byte, sync, low, high uint16, code Code) []byte {
	return append(dst, start, CmdReceived,
		byte(sync>>8), byte(sync), byte(low>>8), byte(low), byte(high>>8), byte(high),
		byte(code>>16), byte(code>>8), byte(code), end)
}

// Ack is the host's acknowledgement of a received code.
var Ack = []byte{start, CmdAck, end}

// Stats counts what the scanner has seen.
type Stats struct {
	Frames     uint64 // good frames delivered
	Garbage    uint64 // bytes skipped while looking for a start byte
	BadFrame   uint64 // frames without their end byte where it belongs
	UnknownCmd uint64 // frames with a command the scanner does not know
}

// Scanner splits the bridge's byte stream into frames. It is not safe for
// concurrent use and allocates nothing.
type Scanner struct {
	buf   [codeFrameLen]byte
	n     int
	stats Stats
}

// Stats returns the counters so far.
func (s *Scanner) Stats() Stats { return s.stats }

// Feed scans p and calls emit for each good frame. After a bad frame the
// scan restarts at the byte after its start byte, so a good frame that
// began inside the bad one is still found.
func (s *Scanner) Feed(p []byte, emit func(Frame)) {
	for _, c := range p {
		s.push(c, emit)
	}
}

func (s *Scanner) push(c byte, emit func(Frame)) {
	if s.n == 0 {
		if c != start {
			s.stats.Garbage++
			return
		}
	}
	s.buf[s.n] = c
	s.n++
	if s.n < 2 {
		return
	}
	var size int
	switch s.buf[1] {
	case CmdAck, CmdLearnTimeout:
		size = 3
	case CmdLearned, CmdReceived:
		size = codeFrameLen
	default:
		s.stats.UnknownCmd++
		s.retry(emit)
		return
	}
	if s.n < size {
		return
	}
	if s.buf[size-1] != end {
		s.stats.BadFrame++
		s.retry(emit)
		return
	}
	s.stats.Frames++
	b := s.buf[:size]
	f := Frame{Command: b[1]}
	if size == codeFrameLen {
		f.Sync = uint16(b[2])<<8 | uint16(b[3])
		f.Low = uint16(b[4])<<8 | uint16(b[5])
		f.High = uint16(b[6])<<8 | uint16(b[7])
		f.Code = Code(uint32(b[8])<<16 | uint32(b[9])<<8 | uint32(b[10]))
	}
	s.n = 0
	emit(f)
}

// retry drops the pending frame's start byte and rescans the rest.
func (s *Scanner) retry(emit func(Frame)) {
	var rest [codeFrameLen]byte
	k := copy(rest[:], s.buf[1:s.n])
	s.n = 0
	for _, c := range rest[:k] {
		s.push(c, emit)
	}
}
