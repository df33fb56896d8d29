package mosquitto

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"time"
)

// FreePort returns a loopback TCP port that was free a moment ago, chosen
// below the kernel's ephemeral range. A port from that range (what
// listening on port 0 gives) can be taken, between this call and the
// broker's bind or while a broker is stopped, by the local end of any
// outgoing connection on the machine, and parallel tests or a district of
// homes make thousands; Mosquitto then fails to open that listener and
// exits.
func FreePort() (int, error) {
	lo, hi := portRange()
	for range 200 {
		port := lo + rand.IntN(hi-lo)
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue // taken: try another
		}
		l.Close()
		return port, nil
	}
	return 0, fmt.Errorf("no free loopback port in %d-%d", lo, hi-1)
}

// portRange is the range FreePort draws from: the 10,000 ports below the
// kernel's ephemeral range (Linux's default range starts at 32768).
func portRange() (lo, hi int) {
	hi = 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		var a, z int
		if n, _ := fmt.Sscan(string(b), &a, &z); n == 2 && a > 11024 {
			hi = a
		}
	}
	return hi - 10000, hi
}

// WaitListening polls addr until it accepts a TCP connection or the
// timeout passes.
func WaitListening(addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("broker at %s not accepting connections after %v: %w", addr, timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// WaitClosed polls addr until it refuses connections or the timeout
// passes.
func WaitClosed(addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return nil
		}
		c.Close()
		if time.Now().After(deadline) {
			return fmt.Errorf("broker at %s still accepting connections after %v", addr, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
