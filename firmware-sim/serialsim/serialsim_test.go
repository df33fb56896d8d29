package serialsim

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"
	"github.com/tarm/serial"
)

// openPort opens the driver's end as the daemon does, with tarm/serial.
func openPort(tb testing.TB, path string, baud int) *serial.Port {
	tb.Helper()
	p, err := serial.OpenPort(&serial.Config{Name: path, Baud: baud})
	require.NoError(tb, err, "tarm/serial must open a pty")
	return p
}

// Every byte value crosses the line unchanged both ways: no echo, no
// CR/NL mapping, no Ctrl-Z/Ctrl-C/Ctrl-D handling.
func TestLineIsRaw(t *testing.T) {
	b, err := NewRFBridge()
	require.NoError(t, err)
	port := openPort(t, b.Path(), 19200)
	t.Cleanup(func() { b.Close(); port.Close() })
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	require.NoError(t, b.l.write(all))
	got := make([]byte, 256)
	_, err = io.ReadFull(port, got)
	require.NoError(t, err)
	if !bytes.Equal(got, all) {
		t.Errorf("device → driver: got % X", got)
	}
	// Driver → device: the bridge counts acks found among arbitrary bytes,
	// so CR, LF and control bytes around them must not be mangled.
	_, err = port.Write(append(all, 0xAA, 0xA0, 0x55, '\r', '\n', 0x1A, 0xAA, 0xA0, 0x55))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return b.Acks() == 2 }, 5*time.Second, 5*time.Millisecond, "acks = %d, want 2", b.Acks())
}

func TestParseScenario(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		steps   int
		wantErr string
	}{
		{"all devices", "# a fall at night\nradar presence on\nwait 2s\nradar noise 40\nradar fall\nbridge send A1B2C3 5\nmodem sim off\nmodem urc +CMTI: \"SM\",3\n", 7, ""},
		{"unknown device", "radar fall\ntoaster on", 0, "line 2: unknown device \"toaster\""},
		{"unknown action", "radar jump", 0, "line 1: radar has no action \"jump\""},
		{"missing argument", "bridge send A1B2C3", 0, "line 1: bridge send takes 2 arguments, got 1"},
		{"bad code", "bridge send XYZ 5", 0, "line 1: bridge send: code \"XYZ\""},
		{"bad on/off", "\n\nmodem sim maybe", 0, "line 3: modem sim: \"maybe\": want on or off"},
		{"bad wait", "wait soon", 0, "line 1: wait \"soon\""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			steps, err := ParseScenario(strings.NewReader(tc.text))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			require.NoError(t, err)
			if len(steps) != tc.steps {
				t.Errorf("got %d steps, want %d", len(steps), tc.steps)
			}
		})
	}
}

func TestRunScenario(t *testing.T) {
	b, err := NewRFBridge()
	require.NoError(t, err)
	m, err := NewModem()
	require.NoError(t, err)
	port := openPort(t, b.Path(), 19200)
	t.Cleanup(func() { b.Close(); m.Close(); port.Close() })
	steps, err := ParseScenario(strings.NewReader("modem sim off\nwait 1s\nbridge send A1B2C3 2\n"))
	require.NoError(t, err)
	clock := clockwork.NewFakeClock()
	done := make(chan error, 1)
	go func() { done <- RunScenario(context.Background(), steps, Devices{Bridge: b, Modem: m}, clock) }()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, clock.BlockUntilContext(ctx, 1))
	clock.Advance(time.Second)
	require.NoError(t, <-done)
	got := make([]byte, 24)
	_, err = io.ReadFull(port, got)
	require.NoError(t, err)
	frame := []byte{0xAA, 0xA4, 0x23, 0x28, 0x01, 0x18, 0x03, 0x84, 0xA1, 0xB2, 0xC3, 0x55}
	if want := append(bytes.Clone(frame), frame...); !bytes.Equal(got, want) {
		t.Errorf("bridge sent % X, want % X", got, want)
	}
	m.mu.Lock()
	sim := m.sim
	m.mu.Unlock()
	if sim {
		t.Error("modem still has its SIM after \"modem sim off\"")
	}
	err = RunScenario(context.Background(), []Step{{Line: 9, Device: "radar", Action: "fall"}}, Devices{}, clock)
	if err == nil || !strings.Contains(err.Error(), "line 9: no radar") {
		t.Errorf("err = %v, want line 9: no radar", err)
	}
}

// FuzzParseScenario: any text parses or fails with an error naming a line;
// every parsed step names a known device.
func FuzzParseScenario(f *testing.F) {
	f.Add("radar presence on\nwait 2s\nbridge send A1B2C3 5\nmodem urc RING\n")
	f.Fuzz(func(t *testing.T, text string) {
		steps, err := ParseScenario(strings.NewReader(text))
		if err != nil {
			if !strings.Contains(err.Error(), "line ") {
				t.Fatalf("error without a line: %v", err)
			}
			return
		}
		for _, s := range steps {
			if _, ok := actions[s.Device]; !ok && s.Device != "wait" {
				t.Fatalf("step with unknown device %q", s.Device)
			}
		}
	})
}
