// Package serialio holds what the serial drivers (fall radar, RF bridge,
// GSM modem) share about reading a port.
package serialio

import (
	"context"
	"errors"
	"io"
	"time"
)

// idlePause is how long Pump waits after an idle read before reading again.
const idlePause = 50 * time.Millisecond

// Pump reads the port in its own goroutine: a blocking serial read cannot
// be interrupted, so the caller does not wait for it. Each chunk read is
// sent on data; the first read error (other than an idle line) on errc. It
// ends at the first read error after ctx is done, which closing the port
// brings about.
//
// tarm/serial with a read timeout reports an idle line as io.EOF with no
// bytes; Pump then pauses in real time (a poll pause, not a protocol timer,
// so a fake clock in tests cannot stall it) and reads again, so a true EOF
// cannot spin.
func Pump(ctx context.Context, port io.Reader) (<-chan []byte, <-chan error) {
	data := make(chan []byte)
	errc := make(chan error, 1)
	go func() {
		for {
			buf := make([]byte, 256)
			n, err := port.Read(buf)
			if n > 0 {
				select {
				case data <- buf[:n]:
				case <-ctx.Done():
					return
				}
			}
			if idle(n, err) {
				select {
				case <-ctx.Done():
					return
				case <-time.After(idlePause):
				}
				continue
			}
			if err != nil {
				errc <- err
				return
			}
		}
	}()
	return data, errc
}

// Read reads port into buf like io.Reader.Read, but waits out an idle line
// (io.EOF with no bytes, see Pump), pausing idlePause in real time between
// reads, so it returns only with bytes or a real error. It is for a reader
// that runs until its port is closed, as the GSM modem's does; a reader that
// stops on a context uses Pump.
func Read(port io.Reader, buf []byte) (int, error) {
	for {
		n, err := port.Read(buf)
		if !idle(n, err) {
			return n, err
		}
		time.Sleep(idlePause)
	}
}

// idle reports whether a read found the line idle: tarm/serial with a read
// timeout returns io.EOF and no bytes when nothing came in time.
func idle(n int, err error) bool { return n == 0 && errors.Is(err, io.EOF) }
