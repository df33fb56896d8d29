package gsm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/safehub-iot/safehub/drivers/internal/serialio"
	"github.com/safehub-iot/safehub/gateway"
)

// Modem runs AT commands on a modem, one at a time. Lines the modem sends
// on its own (RING, +CMTI, Call Ready, SMS Ready, ...) are passed to
// Unsolicited whenever they arrive, also in the middle of a command.
type Modem struct {
	w     io.Writer
	clock gateway.Clock
	log   *slog.Logger

	// Timeout bounds an ordinary command; SendTimeout bounds the network's
	// answer to AT+CMGS once the text is sent.
	Timeout, SendTimeout time.Duration
	// Unsolicited, if set, receives unsolicited lines. It must not block.
	Unsolicited func(line string)

	mu      sync.Mutex  // one command at a time
	inited  atomic.Bool // Init succeeded once (Ready)
	tokens  chan Token
	readErr chan error
}

// NewModem starts reading r's output in a goroutine, which ends when a read
// fails (the owner closes the port); an idle line (a serial read timeout)
// is not a failure. rw is usually the serial port.
func NewModem(rw io.ReadWriter, clock gateway.Clock, log *slog.Logger) *Modem {
	if log == nil {
		log = slog.Default()
	}
	m := &Modem{w: rw, clock: clock, log: log.With("driver", "gsm"),
		Timeout: 5 * time.Second, SendTimeout: 60 * time.Second,
		tokens: make(chan Token, 64), readErr: make(chan error, 1)}
	go m.read(rw)
	return m
}

func (m *Modem) read(r io.Reader) {
	var s LineScanner
	buf := make([]byte, 256)
	for {
		n, err := serialio.Read(r, buf)
		s.Feed(buf[:n], func(t Token) { m.tokens <- t })
		if err != nil {
			m.readErr <- fmt.Errorf("read modem: %w", err)
			return
		}
	}
}

// Command sends an AT command (without the CR) and returns the answer
// lines that belong to it: those starting with the command's +NAME:
// prefix. A modem error is returned as ErrModem, *CMEError or *CMSError.
func (m *Modem) Command(ctx context.Context, cmd string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.command(ctx, cmd, false)
}

// command runs cmd; with prompt it returns nil once the "> " prompt came.
func (m *Modem) command(ctx context.Context, cmd string, prompt bool) ([]string, error) {
	m.drain()
	if _, err := io.WriteString(m.w, cmd+"\r"); err != nil {
		return nil, fmt.Errorf("%s: write: %w", cmd, err)
	}
	return m.await(ctx, cmd, m.Timeout, prompt)
}

// await collects cmd's answer until its final line, the prompt (if
// wanted), the timeout or ctx.
func (m *Modem) await(ctx context.Context, cmd string, timeout time.Duration, prompt bool) ([]string, error) {
	prefix := answerPrefix(cmd)
	timer := m.clock.NewTimer(timeout)
	defer timer.Stop()
	var lines []string
	for {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%s: %w", cmd, ctx.Err())
		case <-timer.Chan():
			return nil, fmt.Errorf("%s: %w (%v)", cmd, ErrTimeout, timeout)
		case err := <-m.readErr:
			m.readErr <- err // keep it for the next caller
			return nil, fmt.Errorf("%s: %w", cmd, err)
		case t := <-m.tokens:
			if t.Prompt {
				if prompt {
					return nil, nil
				}
				continue
			}
			if t.Line == cmd { // echo
				continue
			}
			if final, err := ParseFinal(t.Line); final {
				if err != nil {
					return lines, fmt.Errorf("%s: %w", cmd, err)
				}
				return lines, nil
			}
			if prefix != "" && strings.HasPrefix(t.Line, prefix) {
				lines = append(lines, t.Line)
				continue
			}
			m.unsolicited(t.Line)
		}
	}
}

// drain hands lines left from an earlier, timed-out command to
// Unsolicited, so they are not taken for this command's answer.
func (m *Modem) drain() {
	for {
		select {
		case t := <-m.tokens:
			if !t.Prompt {
				m.unsolicited(t.Line)
			}
		default:
			return
		}
	}
}

func (m *Modem) unsolicited(line string) {
	m.log.Debug("modem unsolicited", "line", line)
	if m.Unsolicited != nil {
		m.Unsolicited(line)
	}
}

// answerPrefix is "+NAME:" for "AT+NAME?", "AT+NAME=..." or "AT+NAME".
func answerPrefix(cmd string) string {
	name, ok := strings.CutPrefix(strings.ToUpper(cmd), "AT+")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(name, "=?"); i >= 0 {
		name = name[:i]
	}
	return "+" + name + ":"
}

// Init checks the modem answers, turns echo off and selects text mode.
func (m *Modem) Init(ctx context.Context) error {
	for _, cmd := range []string{"AT", "ATE0", "AT+CMGF=1"} {
		if _, err := m.Command(ctx, cmd); err != nil {
			return fmt.Errorf("init modem: %w", err)
		}
	}
	return nil
}

// Health is what the modem says about its SIM, network and signal.
type Health struct {
	SIM        string // "READY", or the SIM's state ("SIM PIN", ...)
	Registered bool   // home network or roaming
	Stat       int    // +CREG stat: 1 home, 5 roaming; 0, 2, 3 not registered
	RSSI       int    // 0–31, 99 unknown
}

// Check reads SIM state, registration and signal. A missing SIM returns an
// error wrapping ErrNoSIM.
func (m *Modem) Check(ctx context.Context) (Health, error) {
	var h Health
	lines, err := m.Command(ctx, "AT+CPIN?")
	if err != nil {
		return h, fmt.Errorf("check SIM: %w", err)
	}
	if h.SIM, err = ParseCPIN(first(lines)); err != nil {
		return h, fmt.Errorf("check SIM: %w", err)
	}
	if lines, err = m.Command(ctx, "AT+CREG?"); err != nil {
		return h, fmt.Errorf("check registration: %w", err)
	}
	if h.Stat, err = ParseCREG(first(lines)); err != nil {
		return h, fmt.Errorf("check registration: %w", err)
	}
	h.Registered = h.Stat == 1 || h.Stat == 5
	if lines, err = m.Command(ctx, "AT+CSQ"); err != nil {
		return h, fmt.Errorf("check signal: %w", err)
	}
	if h.RSSI, err = ParseCSQ(first(lines)); err != nil {
		return h, fmt.Errorf("check signal: %w", err)
	}
	return h, nil
}

func first(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return lines[0]
}

// SendSMS sends text to number, split into as many messages as it needs:
// 160 characters each in the GSM alphabet, or 70 in UCS-2 when the text
// has anything else (accents, Chinese).
func (m *Modem) SendSMS(ctx context.Context, number, text string) error {
	for i, p := range splitSMS(text) {
		if err := m.sendPart(ctx, number, p); err != nil {
			return fmt.Errorf("sms to %s (part %d): %w", number, i+1, err)
		}
	}
	return nil
}

func (m *Modem) sendPart(ctx context.Context, number string, p part) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	charset, dcs, to := `"GSM"`, 0, number
	if p.ucs2 {
		charset, dcs, to = `"UCS2"`, 8, ucs2Hex(number)
	}
	for _, cmd := range []string{"AT+CSCS=" + charset, fmt.Sprintf("AT+CSMP=17,167,0,%d", dcs)} {
		if _, err := m.command(ctx, cmd, false); err != nil {
			return err
		}
	}
	cmd := `AT+CMGS="` + to + `"`
	if _, err := m.command(ctx, cmd, true); err != nil {
		if errors.Is(err, ErrTimeout) {
			io.WriteString(m.w, "\x1b") // cancel a prompt that may come late
		}
		return err
	}
	if _, err := io.WriteString(m.w, p.text+"\x1a"); err != nil {
		return fmt.Errorf("write sms text: %w", err)
	}
	lines, err := m.await(ctx, cmd, m.SendTimeout, false)
	if err != nil {
		return err
	}
	if _, err := ParseCMGS(first(lines)); err != nil {
		return fmt.Errorf("sms not confirmed: %w", err)
	}
	return nil
}
