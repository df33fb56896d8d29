package mr60fda1

import "fmt"

// Frame layout: 53 59 | control | command | length (2, big-endian) | data |
// checksum | 54 43. The checksum is the low byte of the sum of every byte
// from the first header byte through the last data byte.
const (
	head0, head1 = 0x53, 0x59
	tail0, tail1 = 0x54, 0x43
	// overhead is the frame size without data: header 2, control,
	// command, length 2, checksum, tail 2.
	overhead = 9
	// MaxData is the longest data field the scanner accepts. The radar's
	// frames carry a few bytes; a longer length field is line noise, and
	// waiting for its bytes would swallow the frames behind it.
	MaxData = 64
)

// Controls and commands the driver understands (vendor protocol).
const (
	CtrlHeartbeat = 0x01 // module heartbeat, command 0x01
	CtrlPresence  = 0x80 // presence: commands 0x01, 0x02, 0x03
	CtrlFall      = 0x83 // fall detection: command 0x01 is the fall state

	CmdPresence = 0x01 // 0x80: 1 someone there, 0 nobody
	CmdMotion   = 0x02 // 0x80: 0 none, 1 stationary, 2 moving
	CmdMovement = 0x03 // 0x80: body movement value, about once a second
	CmdFall     = 0x01 // 0x83: 1 fall, 0 no fall

	// QueryBit is set in the command of a host query; the radar answers
	// with the same command. The vendor's protocol sheet defines the query
	// as command|0x80 with data 0x0F (devices.md lists no vector for it).
	QueryBit = 0x80
)

// Frame is one radar frame. Data aliases the scanner's buffer and is valid
// only during the callback that received it.
type Frame struct {
	Control byte
	Command byte
	Data    []byte
}

func (f Frame) String() string {
	return fmt.Sprintf("frame %02X/%02X % X", f.Control, f.Command, f.Data)
}

// checksum returns the low byte of the sum of b.
func checksum(b []byte) byte {
	var s byte
	for _, c := range b {
		s += c
	}
	return s
}

// AppendFrame appends the encoded frame to dst. Data longer than 65535
// bytes is a programming error and is truncated.
func AppendFrame(dst []byte, control, command byte, data ...byte) []byte {
	if len(data) > 0xFFFF {
		data = data[:0xFFFF]
	}
	start := len(dst)
	dst = append(dst, head0, head1, control, command, byte(len(data)>>8), byte(len(data)))
	dst = append(dst, data...)
	dst = append(dst, checksum(dst[start:]), tail0, tail1)
	return dst
}

// QueryFrame is the host's query for the state reported by control/command.
func QueryFrame(control, command byte) []byte {
	return AppendFrame(nil, control, command|QueryBit, 0x0F)
}

// Stats counts what the scanner has seen. Every error counter means one
// resync: the scanner dropped a candidate frame and looked for the next
// header.
type Stats struct {
	Frames      uint64 // good frames delivered
	Garbage     uint64 // bytes skipped while looking for a header
	BadChecksum uint64 // frames whose checksum did not match
	Truncated   uint64 // frames cut short: no tail where the length put it
	Oversize    uint64 // length fields above MaxData
}

// Errors is the number of dropped frames (garbage bytes not included).
func (s Stats) Errors() uint64 { return s.BadChecksum + s.Truncated + s.Oversize }

// Scanner splits a byte stream into frames. It keeps at most one frame's
// worth of bytes between calls and allocates nothing after the first Feed.
// It is not safe for concurrent use.
type Scanner struct {
	buf   []byte
	stats Stats
}

// Stats returns the counters so far.
func (s *Scanner) Stats() Stats { return s.stats }

// Feed scans p and calls emit for each good frame, in order. A bad frame
// (checksum, missing tail, oversize length) is counted and skipped, and the
// scan resumes at the next header after its first byte, so a good frame
// that followed a cut-short one is still found.
func (s *Scanner) Feed(p []byte, emit func(Frame)) {
	if s.buf == nil {
		s.buf = make([]byte, 0, overhead+MaxData+64)
	}
	for len(p) > 0 {
		// Top up the buffer without growing it past one max frame plus slack.
		n := min(cap(s.buf)-len(s.buf), len(p))
		s.buf = append(s.buf, p[:n]...)
		p = p[n:]
		s.scan(emit)
	}
}

// scan consumes as many frames as the buffer holds.
func (s *Scanner) scan(emit func(Frame)) {
	b := s.buf
	for {
		i := headerIndex(b)
		s.stats.Garbage += uint64(i)
		b = b[i:]
		if len(b) < 6 {
			break // need the length field
		}
		n := int(b[4])<<8 | int(b[5])
		if n > MaxData {
			s.stats.Oversize++
			b = b[2:]
			continue
		}
		size := overhead + n
		if len(b) < size {
			break
		}
		switch {
		case b[size-2] != tail0 || b[size-1] != tail1:
			s.stats.Truncated++
			b = b[2:]
		case b[size-3] != checksum(b[:6+n]):
			s.stats.BadChecksum++
			b = b[2:]
		default:
			s.stats.Frames++
			emit(Frame{Control: b[2], Command: b[3], Data: b[6 : 6+n]})
			b = b[size:]
		}
	}
	s.buf = s.buf[:copy(s.buf, b)]
}

// headerIndex returns the index of the first possible header in b: a full
// 53 59, or a lone 53 at the very end. It returns len(b) if there is none.
func headerIndex(b []byte) int {
	for i := 0; i < len(b); i++ {
		if b[i] != head0 {
			continue
		}
		if i+1 == len(b) || b[i+1] == head1 {
			return i
		}
	}
	return len(b)
}
