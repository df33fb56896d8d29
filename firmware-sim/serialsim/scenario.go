package serialsim

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/jonboulle/clockwork"

	"github.com/safehub-iot/safehub/internal/duration"
)

// Step is one scenario line: a device, an action and its arguments.
type Step struct {
	Line   int
	Device string // radar, bridge, modem, or wait
	Action string
	Args   []string
}

// Devices are the simulators a scenario drives; nil ones may not appear
// in it.
type Devices struct {
	Radar  *Radar
	Bridge *RFBridge
	Modem  *Modem
}

// actions lists each device's actions with their argument count.
var actions = map[string]map[string]int{
	"radar": {"fall": 0, "recover": 0, "presence": 1, "movement": 1, "heartbeat": 0,
		"noise": 1, "corrupt": 0, "silence": 0, "resume": 0},
	"bridge": {"send": 2, "noise": 1},
	"modem":  {"sim": 1, "signal": 1, "registration": 1, "mute": 1, "fail-send": 1, "urc": 1},
}

// ParseScenario reads a scenario: one step per line, e.g.
//
//	radar presence on
//	wait 2s
//	radar noise 40
//	radar fall
//	bridge send A1B2C3 5   # code in hex, repeats
//	modem sim off
//
// Blank lines and # comments are skipped. Errors name the line.
func ParseScenario(r io.Reader) ([]Step, error) {
	var steps []Step
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		s := Step{Line: n, Device: f[0]}
		if s.Device == "wait" {
			if len(f) != 2 {
				return nil, fmt.Errorf("scenario line %d: wait takes one duration, e.g. wait 2s", n)
			}
			if d, err := duration.Parse(f[1]); err != nil || d < 0 {
				return nil, fmt.Errorf("scenario line %d: wait %q: want a duration such as 500ms or 2s", n, f[1])
			}
			s.Args = f[1:]
			steps = append(steps, s)
			continue
		}
		acts, ok := actions[s.Device]
		if !ok {
			return nil, fmt.Errorf("scenario line %d: unknown device %q (want radar, bridge, modem or wait)", n, s.Device)
		}
		if len(f) < 2 {
			return nil, fmt.Errorf("scenario line %d: %s needs an action", n, s.Device)
		}
		s.Action, s.Args = f[1], f[2:]
		want, ok := acts[s.Action]
		if !ok {
			return nil, fmt.Errorf("scenario line %d: %s has no action %q", n, s.Device, s.Action)
		}
		if s.Action == "urc" && len(s.Args) > 0 {
			s.Args = []string{strings.Join(s.Args, " ")}
		}
		if len(s.Args) != want {
			return nil, fmt.Errorf("scenario line %d: %s %s takes %d arguments, got %d", n, s.Device, s.Action, want, len(s.Args))
		}
		if err := checkArgs(s); err != nil {
			return nil, fmt.Errorf("scenario line %d: %s %s: %w", n, s.Device, s.Action, err)
		}
		steps = append(steps, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	return steps, nil
}

func checkArgs(s Step) error {
	switch s.Device + " " + s.Action {
	case "radar presence", "modem sim", "modem mute":
		_, err := onOff(s.Args[0])
		return err
	case "radar movement":
		_, err := number(s.Args[0], 0, 255)
		return err
	case "radar noise", "bridge noise":
		_, err := number(s.Args[0], 0, 4096)
		return err
	case "bridge send":
		if _, err := strconv.ParseUint(s.Args[0], 16, 24); err != nil {
			return fmt.Errorf("code %q: want up to 6 hex digits", s.Args[0])
		}
		_, err := number(s.Args[1], 1, 100)
		return err
	case "modem signal":
		_, err := number(s.Args[0], 0, 99)
		return err
	case "modem registration":
		_, err := number(s.Args[0], 0, 5)
		return err
	case "modem fail-send":
		_, err := number(s.Args[0], 1, 999)
		return err
	}
	return nil
}

func onOff(s string) (bool, error) {
	switch s {
	case "on":
		return true, nil
	case "off":
		return false, nil
	}
	return false, fmt.Errorf("%q: want on or off", s)
}

func number(s string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%q: want a number from %d to %d", s, lo, hi)
	}
	return n, nil
}

// RunScenario plays steps on the devices; waits use clock.
func RunScenario(ctx context.Context, steps []Step, d Devices, clock clockwork.Clock) error {
	for _, s := range steps {
		if err := run(ctx, s, d, clock); err != nil {
			return fmt.Errorf("scenario line %d: %w", s.Line, err)
		}
	}
	return nil
}

func run(ctx context.Context, s Step, d Devices, clock clockwork.Clock) error {
	arg := func(i int) string { return s.Args[i] }
	num := func(i int) int { n, _ := strconv.Atoi(arg(i)); return n } // checked by ParseScenario
	on := func() bool { v, _ := onOff(arg(0)); return v }
	switch {
	case s.Device == "wait":
		dur, _ := duration.Parse(arg(0))
		select {
		case <-clock.After(dur):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	case s.Device == "radar" && d.Radar == nil, s.Device == "bridge" && d.Bridge == nil, s.Device == "modem" && d.Modem == nil:
		return fmt.Errorf("no %s in this simulation", s.Device)
	}
	r, b, m := d.Radar, d.Bridge, d.Modem
	switch s.Device + " " + s.Action {
	case "radar fall":
		return r.Fall()
	case "radar recover":
		return r.Recover()
	case "radar presence":
		return r.Presence(on())
	case "radar movement":
		return r.Movement(byte(num(0)))
	case "radar heartbeat":
		return r.Heartbeat()
	case "radar noise":
		return r.Noise(num(0))
	case "radar corrupt":
		return r.Corrupt()
	case "radar silence":
		r.Silence()
	case "radar resume":
		r.Resume()
	case "bridge send":
		code, _ := strconv.ParseUint(arg(0), 16, 24)
		return b.Send(uint32(code), num(1))
	case "bridge noise":
		return b.Noise(num(0))
	case "modem sim":
		m.SetSIM(on())
	case "modem signal":
		m.SetSignal(num(0))
	case "modem registration":
		m.SetRegistration(num(0))
	case "modem mute":
		m.SetMute(on())
	case "modem fail-send":
		m.FailNextSend(num(0))
	case "modem urc":
		m.Unsolicited(arg(0))
	}
	return nil
}
