package rules_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/rules"
	"github.com/safehub-iot/safehub/rules/rulesfile"
)

var update = flag.Bool("update", false, "rewrite testdata/*/want.jsonl from the engine's output")

// demoSensors are the demo home's sensors, as in configs/rules.yaml.
var demoSensors = map[string]string{
	"button-bedroom": "call_button",
	"pendant-1":      "pendant",
	"smoke-kitchen":  "smoke",
	"door-entrance":  "door",
	"motion-hall":    "motion",
	"motion-bedroom": "motion",
	"mains":          "mains_power",
	"gas-kitchen":    "gas",
	"climate-living": "climate",
	"radar-bathroom": "fall",
}

// step is one line of events.jsonl: what happens at At. A bare step only
// lets time pass (timers fire at their deadlines on the way).
type step struct {
	At      time.Time `json:"at"`
	Reading *struct {
		Sensor   string  `json:"sensor"`
		Quantity string  `json:"quantity"`
		Value    float64 `json:"value"`
	} `json:"reading,omitempty"`
	Status *struct {
		Sensor string `json:"sensor"`
		Health string `json:"health"`
		Reason string `json:"reason"`
	} `json:"status,omitempty"`
	Ack   *gateway.AlarmKey `json:"ack,omitempty"`
	Reset bool              `json:"reset,omitempty"`
	// Restart saves the state at At, stops the box until Until and starts
	// a new engine from the saved state.
	Restart *struct {
		Until time.Time `json:"until"`
	} `json:"restart,omitempty"`
}

// out is one line of want.jsonl: an action the engine decided.
type out struct {
	At       time.Time          `json:"at"`
	Kind     event.Kind         `json:"kind,omitempty"`
	Severity event.Severity     `json:"severity,omitempty"`
	Rule     string             `json:"rule,omitempty"`
	Sensor   string             `json:"sensor,omitempty"`
	Message  string             `json:"message,omitempty"`
	Values   map[string]float64 `json:"values,omitempty"`
	Output   string             `json:"output,omitempty"`
	On       *bool              `json:"on,omitempty"`
}

func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob("testdata/*/events.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatal("no golden cases in testdata")
	}
	for _, ev := range dirs {
		dir := filepath.Dir(ev)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			got := runCase(t, dir)
			wantPath := filepath.Join(dir, "want.jsonl")
			if *update {
				if err := os.WriteFile(wantPath, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(wantPath)
			if err != nil {
				t.Fatalf("read want: %v (run go test -update to create it)", err)
			}
			gl, wl := lines(got), lines(want)
			for i := 0; i < max(len(gl), len(wl)); i++ {
				g, w := "<none>", "<none>"
				if i < len(gl) {
					g = gl[i]
				}
				if i < len(wl) {
					w = wl[i]
				}
				if g != w {
					t.Errorf("action %d:\n got %s\nwant %s", i+1, g, w)
				}
			}
		})
	}
}

func lines(b []byte) []string {
	s := strings.TrimSpace(string(b))
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func loadEngine(tb testing.TB, dir string) *rules.Engine {
	tb.Helper()
	e, err := rulesfile.Load(filepath.Join(dir, "rules.yaml"), rulesfile.Env{Sensors: demoSensors})
	if err != nil {
		tb.Fatalf("load rules: %v", err)
	}
	return e
}

// runCase replays events.jsonl as the pipeline would: before each step the
// engine is ticked at every wake time that has come, and its state is
// saved after every call.
func runCase(tb testing.TB, dir string) []byte {
	tb.Helper()
	f, err := os.Open(filepath.Join(dir, "events.jsonl"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	h := &harness{tb: tb, eng: loadEngine(tb, dir), active: map[gateway.AlarmKey]bool{}}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var s step
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s); err != nil || s.At.IsZero() {
			tb.Fatalf("events.jsonl:%d: bad step %s: %v", n, line, err)
		}
		if h.now.IsZero() {
			h.now = s.At
		}
		if s.At.Before(h.now) {
			tb.Fatalf("events.jsonl:%d: time goes back", n)
		}
		h.advance(s.At)
		switch {
		case s.Reading != nil:
			h.record(s.At, h.eng.Reading(s.At, gateway.Reading{Sensor: s.Reading.Sensor, Quantity: s.Reading.Quantity, Value: s.Reading.Value, Time: s.At}))
		case s.Status != nil:
			h.record(s.At, h.eng.Status(s.At, gateway.Status{Sensor: s.Status.Sensor, Health: event.Health(s.Status.Health), Reason: s.Status.Reason, Time: s.At}))
		case s.Ack != nil:
			h.record(s.At, h.eng.Acknowledged(s.At, *s.Ack))
		case s.Reset:
			h.record(s.At, h.eng.Reset(s.At))
		case s.Restart != nil:
			h.eng = loadEngine(tb, dir)
			h.now = s.Restart.Until
			if h.saved != nil {
				acts, err := h.eng.LoadState(h.now, h.saved)
				if err != nil {
					tb.Fatalf("events.jsonl:%d: load state: %v", n, err)
				}
				h.record(h.now, acts)
			}
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return h.buf.Bytes()
}

type harness struct {
	tb     testing.TB
	eng    *rules.Engine
	now    time.Time
	saved  []byte
	active map[gateway.AlarmKey]bool
	buf    bytes.Buffer
}

func (h *harness) advance(to time.Time) {
	h.tb.Helper()
	for range 100000 {
		w, ok := h.eng.NextWake()
		if !ok || w.After(to) {
			h.now = to
			return
		}
		if w.Before(h.now) {
			w = h.now
		}
		h.now = w
		h.record(w, h.eng.Tick(w))
	}
	h.tb.Fatalf("engine keeps asking to be ticked before %v", to)
}

// record writes the actions and checks the alarm lifecycle the pipeline
// relies on: one raise per active key (a raise again is a repeat), nothing
// for keys not active.
func (h *harness) record(at time.Time, acts []gateway.Action) {
	h.tb.Helper()
	for _, a := range acts {
		o := out{At: at.UTC()}
		if a.Output != "" {
			on := a.On
			o.Output, o.On = a.Output, &on
		}
		if ev := a.Event; ev != nil {
			o.Kind, o.Severity, o.Rule, o.Sensor, o.Message, o.Values = ev.Kind, ev.Severity, ev.Rule, ev.Sensor, ev.Message, ev.Values
			key := gateway.AlarmKey{Rule: ev.Rule, Sensor: ev.Sensor}
			switch ev.Kind {
			case event.AlarmRaised:
				if h.active[key] {
					h.tb.Errorf("%v: second raise for active alarm %v", at, key)
				}
				h.active[key] = true
			case event.AlarmCleared, event.AlarmCancelled:
				if !h.active[key] {
					h.tb.Errorf("%v: %s for alarm %v that is not active", at, ev.Kind, key)
				}
				delete(h.active, key)
			case event.AlarmEscalated, event.AlarmRepeated:
				if !h.active[key] {
					h.tb.Errorf("%v: %s of alarm %v that is not active", at, ev.Kind, key)
				}
			}
		}
		b, err := json.Marshal(o)
		if err != nil {
			h.tb.Fatal(err)
		}
		h.buf.Write(b)
		h.buf.WriteByte('\n')
	}
	if err := rules.CheckWake(h.eng); err != nil {
		h.tb.Errorf("%v: %v", at, err)
	}
	data, changed, err := h.eng.SaveState()
	if err != nil {
		h.tb.Fatalf("save state: %v", err)
	}
	if changed {
		h.saved = data
	}
}
