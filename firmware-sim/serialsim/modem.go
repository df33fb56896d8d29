package serialsim

import (
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"unicode/utf16"
)

// SMS is a message the simulated modem was asked to send.
type SMS struct {
	Number string
	Text   string
}

// Modem simulates a SIM800-kind GSM modem: echo on until ATE0, the SIM
// and registration checks, AT+CSQ, text-mode SMS with the "> " prompt and
// Ctrl-Z, the GSM and UCS2 character sets, and the failures a real one
// shows: no SIM (+CME ERROR: 10), no network, weak signal, +CMS errors on
// send, and silence.
type Modem struct {
	l *line

	mu       sync.Mutex
	echo     bool
	sim      bool
	stat     int // +CREG stat
	rssi     int
	mute     bool
	ucs2     bool
	failSend int      // +CMS ERROR code for the next send; 0 none
	inject   []string // unsolicited lines sent before the next answer
	sms      []SMS
	commands []string
	ref      int
	done     chan struct{}
}

// NewModem opens a pty with a healthy modem on it: SIM ready, registered
// on the home network, rssi 18.
func NewModem() (*Modem, error) {
	l, err := openLine()
	if err != nil {
		return nil, err
	}
	m := &Modem{l: l, echo: true, sim: true, stat: 1, rssi: 18, done: make(chan struct{})}
	go m.serve()
	return m, nil
}

// Path is the device path a driver opens (/dev/pts/N).
func (m *Modem) Path() string { return m.l.path }

// Close hangs up the line.
func (m *Modem) Close() error {
	err := m.l.close()
	<-m.done
	return err
}

func (m *Modem) set(f func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f()
}

// SetSIM inserts or removes the SIM card.
func (m *Modem) SetSIM(present bool) { m.set(func() { m.sim = present }) }

// SetRegistration sets the +CREG stat: 1 home, 5 roaming, 0/2/3 not
// registered.
func (m *Modem) SetRegistration(stat int) { m.set(func() { m.stat = stat }) }

// SetSignal sets the rssi AT+CSQ reports (0–31, 99 unknown).
func (m *Modem) SetSignal(rssi int) { m.set(func() { m.rssi = rssi }) }

// SetMute makes the modem answer nothing, as when it is off or rebooting.
func (m *Modem) SetMute(mute bool) { m.set(func() { m.mute = mute }) }

// FailNextSend makes the next SMS fail with +CMS ERROR: code.
func (m *Modem) FailNextSend(code int) { m.set(func() { m.failSend = code }) }

// InjectUnsolicited queues lines (RING, +CMTI: "SM",3, ...) to be sent in
// the middle of the next answer, between the echo and the result.
func (m *Modem) InjectUnsolicited(lines ...string) {
	m.set(func() { m.inject = append(m.inject, lines...) })
}

// Unsolicited sends a line now, as a modem does for RING or +CMTI.
func (m *Modem) Unsolicited(line string) { m.write("\r\n" + line + "\r\n") }

// Messages returns the SMS sent so far.
func (m *Modem) Messages() []SMS {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]SMS(nil), m.sms...)
}

// Commands returns the AT commands received so far.
func (m *Modem) Commands() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.commands...)
}

func (m *Modem) serve() {
	defer close(m.done)
	var cmd []byte
	var text []byte
	var to string
	inText := false
	buf := make([]byte, 256)
	for {
		n, err := m.l.master.Read(buf)
		if err != nil {
			return
		}
		for _, c := range buf[:n] {
			switch {
			case inText && c == 0x1A:
				inText = false
				m.send(to, string(text))
			case inText && c == 0x1B:
				inText = false
				m.reply("OK")
			case inText:
				text = append(text, c)
			case c == '\r':
				line := string(cmd)
				cmd = cmd[:0]
				if line == "" {
					continue
				}
				var prompt bool
				to, prompt = m.command(line)
				if prompt {
					inText, text = true, text[:0]
				}
			case c == '\n':
			default:
				cmd = append(cmd, c)
			}
		}
	}
}

// write sends s unless muted; injected unsolicited lines go first.
func (m *Modem) write(s string) {
	m.mu.Lock()
	mute, inject := m.mute, m.inject
	m.inject = nil
	m.mu.Unlock()
	if mute {
		return
	}
	var b strings.Builder
	for _, u := range inject {
		b.WriteString("\r\n" + u + "\r\n")
	}
	b.WriteString(s)
	_ = m.l.write([]byte(b.String()))
}

func (m *Modem) reply(lines ...string) {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString("\r\n" + l + "\r\n")
	}
	m.write(b.String())
}

// command answers one command line; for AT+CMGS it returns the number and
// true once the prompt is out.
func (m *Modem) command(line string) (string, bool) {
	m.mu.Lock()
	m.commands = append(m.commands, line)
	echo, sim, stat, rssi := m.echo, m.sim, m.stat, m.rssi
	m.mu.Unlock()
	if echo {
		m.write(line + "\r")
	}
	up := strings.ToUpper(line)
	switch {
	case up == "AT", strings.HasPrefix(up, "AT+CMGF="), strings.HasPrefix(up, "AT+CSMP="):
		m.reply("OK")
	case up == "ATE0" || up == "ATE1":
		m.set(func() { m.echo = up == "ATE1" })
		m.reply("OK")
	case up == "AT+CPIN?":
		if !sim {
			m.reply("+CME ERROR: 10")
		} else {
			m.reply("+CPIN: READY", "OK")
		}
	case up == "AT+CREG?":
		m.reply(fmt.Sprintf("+CREG: 0,%d", stat), "OK")
	case up == "AT+CSQ":
		m.reply(fmt.Sprintf("+CSQ: %d,99", rssi), "OK")
	case strings.HasPrefix(up, "AT+CSCS="):
		m.set(func() { m.ucs2 = strings.Contains(up, "UCS2") })
		m.reply("OK")
	case strings.HasPrefix(up, "AT+CMGS="):
		if !sim {
			m.reply("+CMS ERROR: 310") // SIM not inserted
			return "", false
		}
		m.write("\r\n> ")
		return strings.Trim(line[len("AT+CMGS="):], `"`), true
	default:
		m.reply("ERROR")
	}
	return "", false
}

// send finishes an AT+CMGS: records the message or fails it.
func (m *Modem) send(to, text string) {
	m.mu.Lock()
	fail := m.failSend
	m.failSend = 0
	ucs2 := m.ucs2
	m.mu.Unlock()
	if fail != 0 {
		m.reply(fmt.Sprintf("+CMS ERROR: %d", fail))
		return
	}
	if ucs2 {
		to, text = fromUCS2(to), fromUCS2(text)
	}
	m.mu.Lock()
	m.sms = append(m.sms, SMS{Number: to, Text: text})
	m.ref++
	ref := m.ref
	m.mu.Unlock()
	m.reply(fmt.Sprintf("+CMGS: %d", ref), "OK")
}

// fromUCS2 decodes UCS2 hex; bad hex comes back marked, so a test sees it.
func fromUCS2(h string) string {
	b, err := hex.DecodeString(h)
	if err != nil || len(b)%2 != 0 {
		return "<bad UCS2: " + h + ">"
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	return string(utf16.Decode(u))
}
