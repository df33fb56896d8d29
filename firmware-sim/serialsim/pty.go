// Package serialsim simulates SafeHub's serial devices (the MR60FDA1 fall
// radar, the Sonoff-kind 433 MHz RF bridge and a SIM800-kind GSM modem) on
// real pseudo-terminals, so a driver opens /dev/pts/N by path exactly as it
// would open /dev/ttyAMA0 or /dev/ttyUSB0, through the same tarm/serial
// code.
//
// Each simulator owns the pty's master side and keeps the slave open too,
// so the line stays up while a driver closes and reopens its end. Both sides
// are in raw mode: no echo, no CR/NL translation, no line editing and no
// signal or end-of-file characters, so every byte value (0x1A Ctrl-Z for an
// SMS, 0x03, 0x04) passes through unchanged. tarm/serial's OpenPort sets
// the same raw settings on the slave with TCSETS, which a pty accepts (the
// baud rate is stored and ignored).
//
// Simulators are scripted from tests and from cmd/safehub-sim through
// their methods (Radar.Fall, RFBridge.Send, Modem.SetSIM, ...). Close
// hangs up the line: a driver reading the port then gets an error.
package serialsim

import (
	"fmt"
	"os"
	"sync"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// line is one pseudo-terminal pair in raw mode.
type line struct {
	master *os.File // pollable: Close wakes a blocked Read
	slave  *os.File // kept open so the line survives driver reopen
	path   string

	wmu sync.Mutex // serializes writes so frames never interleave
}

func openLine() (*line, error) {
	m, s, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("open pty: %w", err)
	}
	if err := makeRaw(int(s.Fd())); err != nil {
		m.Close()
		s.Close()
		return nil, fmt.Errorf("raw mode on %s: %w", s.Name(), err)
	}
	// pty.Open leaves the master in blocking mode, where Close does not wake
	// a reader. A non-blocking duplicate is registered with the runtime
	// poller instead.
	fd, err := unix.Dup(int(m.Fd()))
	if err == nil {
		err = unix.SetNonblock(fd, true)
	}
	m.Close()
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("pty master: %w", err)
	}
	return &line{master: os.NewFile(uintptr(fd), "ptmx"), slave: s, path: s.Name()}, nil
}

// makeRaw is cfmakeraw(3): no input or output processing, no echo, no
// canonical mode, no signals, 8 bits, reads return as soon as a byte is
// there.
func makeRaw(fd int) error {
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON | unix.IXOFF
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
	return unix.IoctlSetTermios(fd, unix.TCSETS, t)
}

// write sends b to the driver's side in one piece.
func (l *line) write(b []byte) error {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	_, err := l.master.Write(b)
	return err
}

// close hangs up the line.
func (l *line) close() error {
	err := l.master.Close()
	if serr := l.slave.Close(); err == nil {
		err = serr
	}
	return err
}
