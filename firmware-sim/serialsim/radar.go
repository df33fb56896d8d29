package serialsim

import (
	"bytes"
	"math/rand/v2"
	"sync"
)

// Radar simulates an MR60FDA1-kind fall radar at 115200 baud. It sends only
// what it is told to, answers the host's state queries (command|0x80,
// answered with the same command and the current state), and records every
// frame the host sends.
//
// Frames are built here independently of drivers/mr60fda1, so the driver's
// parser is checked against a second implementation of the vendor format.
type Radar struct {
	l *line

	mu       sync.Mutex
	fall     bool
	presence bool
	silent   bool
	received [][]byte // frames from the host
	done     chan struct{}
}

// NewRadar opens a pty and starts answering queries.
func NewRadar() (*Radar, error) {
	l, err := openLine()
	if err != nil {
		return nil, err
	}
	r := &Radar{l: l, done: make(chan struct{})}
	go r.serve()
	return r, nil
}

// Path is the device path a driver opens (/dev/pts/N).
func (r *Radar) Path() string { return r.l.path }

// Close hangs up the line and stops the simulator.
func (r *Radar) Close() error {
	err := r.l.close()
	<-r.done
	return err
}

// radarFrame encodes a frame: 53 59 ctrl cmd len(2) data sum 54 43.
func radarFrame(ctrl, cmd byte, data ...byte) []byte {
	b := []byte{0x53, 0x59, ctrl, cmd, byte(len(data) >> 8), byte(len(data))}
	b = append(b, data...)
	var sum byte
	for _, c := range b {
		sum += c
	}
	return append(b, sum, 0x54, 0x43)
}

func b2u(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// send writes frames unless the radar is silenced.
func (r *Radar) send(frames ...[]byte) error {
	r.mu.Lock()
	silent := r.silent
	r.mu.Unlock()
	if silent {
		return nil
	}
	return r.l.write(bytes.Join(frames, nil))
}

// Heartbeat sends the module heartbeat (the vendor's example frame).
func (r *Radar) Heartbeat() error { return r.send(radarFrame(0x01, 0x01, 0x0F)) }

// Fall reports a fall: the fall state changes to 1 and is sent once.
func (r *Radar) Fall() error { return r.setFall(true) }

// Recover reports that the person is up again (fall state 0).
func (r *Radar) Recover() error { return r.setFall(false) }

func (r *Radar) setFall(v bool) error {
	r.mu.Lock()
	r.fall = v
	r.mu.Unlock()
	return r.send(radarFrame(0x83, 0x01, b2u(v)))
}

// Presence reports someone there or nobody, with the matching motion
// state (stationary or none).
func (r *Radar) Presence(on bool) error {
	r.mu.Lock()
	r.presence = on
	r.mu.Unlock()
	return r.send(radarFrame(0x80, 0x01, b2u(on)), radarFrame(0x80, 0x02, b2u(on)))
}

// Movement sends a body-movement value, as the radar does each second.
func (r *Radar) Movement(v byte) error { return r.send(radarFrame(0x80, 0x03, v)) }

// Silence makes the radar send and answer nothing, as when it has hung or
// lost power, until Resume.
func (r *Radar) Silence() {
	r.mu.Lock()
	r.silent = true
	r.mu.Unlock()
}

// Resume ends a Silence.
func (r *Radar) Resume() {
	r.mu.Lock()
	r.silent = false
	r.mu.Unlock()
}

// Noise sends n bytes of line noise. The bytes never include 0x53, the
// first header byte, so a driver counts exactly n garbage bytes.
func (r *Radar) Noise(n int) error {
	b := make([]byte, n)
	for i := range b {
		for b[i] = byte(rand.IntN(256)); b[i] == 0x53; b[i] = byte(rand.IntN(256)) {
		}
	}
	return r.send(b)
}

// Corrupt sends a presence frame with a wrong checksum and a movement frame
// cut off after its length field, the two ways a noisy line breaks frames.
func (r *Radar) Corrupt() error {
	bad := radarFrame(0x80, 0x01, 0x01)
	bad[len(bad)-3]++
	cut := radarFrame(0x80, 0x03, 0x10)[:6]
	return r.send(bad, cut)
}

// Received returns copies of the frames the host has sent so far.
func (r *Radar) Received() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([][]byte, len(r.received))
	for i, f := range r.received {
		out[i] = bytes.Clone(f)
	}
	return out
}

// Queries counts the host's queries for the given control and command
// (the command without the query bit).
func (r *Radar) Queries(ctrl, cmd byte) int {
	n := 0
	for _, f := range r.Received() {
		if f[2] == ctrl && f[3] == cmd|0x80 {
			n++
		}
	}
	return n
}

// serve reads host frames and answers queries until the line is closed.
func (r *Radar) serve() {
	defer close(r.done)
	var pending []byte
	buf := make([]byte, 256)
	for {
		n, err := r.l.master.Read(buf)
		if err != nil {
			return
		}
		pending = append(pending, buf[:n]...)
		for {
			f, rest, ok := cutRadarFrame(pending)
			if !ok {
				break
			}
			pending = rest
			r.answer(f)
		}
	}
}

// cutRadarFrame finds the first whole frame in b, skipping anything before
// its header. It does not check the checksum: the driver's frames are
// checked by the tests that read Received.
func cutRadarFrame(b []byte) (frame, rest []byte, ok bool) {
	i := bytes.Index(b, []byte{0x53, 0x59})
	if i < 0 || len(b)-i < 6 {
		return nil, b, false
	}
	b = b[i:]
	size := 9 + (int(b[4])<<8 | int(b[5]))
	if len(b) < size {
		return nil, b, false
	}
	return b[:size], b[size:], true
}

// answer records a host frame after writing any reply, so a test that
// sees the query in Received knows the reply is already on the line.
func (r *Radar) answer(f []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var reply []byte
	switch {
	case f[2] == 0x83 && f[3] == 0x81:
		reply = radarFrame(0x83, 0x81, b2u(r.fall))
	case f[2] == 0x80 && f[3] == 0x81:
		reply = radarFrame(0x80, 0x81, b2u(r.presence))
	}
	if reply != nil && !r.silent {
		_ = r.l.write(reply)
	}
	r.received = append(r.received, bytes.Clone(f))
}
