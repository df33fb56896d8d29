package serialsim

import (
	"bytes"
	"sync"
)

// RFBridge simulates a Sonoff-kind 433 MHz receiver bridge at 19200 baud:
// what the radio hears arrives as AA A4 <sync 2> <low 2> <high 2> <code 3>
// 55, and the host acknowledges each with AA A0 55. Radio silence is simply
// not calling Send.
type RFBridge struct {
	l *line

	mu   sync.Mutex
	acks int
	done chan struct{}
}

// NewRFBridge opens a pty and starts counting the host's acknowledgements.
func NewRFBridge() (*RFBridge, error) {
	l, err := openLine()
	if err != nil {
		return nil, err
	}
	b := &RFBridge{l: l, done: make(chan struct{})}
	go b.serve()
	return b, nil
}

// Path is the device path a driver opens (/dev/pts/N).
func (b *RFBridge) Path() string { return b.l.path }

// Close hangs up the line.
func (b *RFBridge) Close() error {
	err := b.l.close()
	<-b.done
	return err
}

// codeFrame is a received code with typical EV1527 timings (µs).
func codeFrame(code uint32) []byte {
	const sync, low, high = 9000, 280, 900
	return []byte{0xAA, 0xA4, sync >> 8, sync & 0xFF, low >> 8, low & 0xFF, high >> 8, high & 0xFF,
		byte(code >> 16), byte(code >> 8), byte(code), 0x55}
}

// Send reports the 24-bit code as heard repeats times in a row, as one
// press of a pendant arrives (4–10 repeats in a few hundred ms).
func (b *RFBridge) Send(code uint32, repeats int) error {
	return b.l.write(bytes.Repeat(codeFrame(code), repeats))
}

// Noise sends n bytes of line noise without the frame start byte 0xAA.
func (b *RFBridge) Noise(n int) error {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*37+11) &^ 0x80 // never 0xAA
	}
	return b.l.write(p)
}

// Acks counts the host's AA A0 55 acknowledgements so far.
func (b *RFBridge) Acks() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.acks
}

func (b *RFBridge) serve() {
	defer close(b.done)
	var pending []byte
	buf := make([]byte, 64)
	ack := []byte{0xAA, 0xA0, 0x55}
	for {
		n, err := b.l.master.Read(buf)
		if err != nil {
			return
		}
		pending = append(pending, buf[:n]...)
		for {
			i := bytes.Index(pending, ack)
			if i < 0 {
				break
			}
			pending = pending[i+len(ack):]
			b.mu.Lock()
			b.acks++
			b.mu.Unlock()
		}
		if len(pending) > 2 {
			pending = pending[len(pending)-2:]
		}
	}
}
