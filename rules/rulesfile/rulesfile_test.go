package rulesfile_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/rules"
	"github.com/safehub-iot/safehub/rules/rulesfile"
)

var demo = rulesfile.Env{Sensors: map[string]string{
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
}}

// The shipped default must load as it is against the demo home's sensors.
func TestDefaultRules(t *testing.T) {
	e, err := rulesfile.Load("../../configs/rules.yaml", demo)
	if err != nil {
		t.Fatalf("configs/rules.yaml: %v", err)
	}
	got := e.Rules()
	want := []string{"call-button", "smoke", "mains-lost", "gas", "too-hot", "too-cold", "not-up", "night-door", "fall", "health-silent", "health-chatter", "health-motion"}
	if !slices.Equal(got, want) {
		t.Errorf("rules = %v, want %v", got, want)
	}
}

func TestDecode(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	f, err := rulesfile.Decode(strings.NewReader(`
timezone: Europe/Berlin
rules:
  - id: cold
    kind: threshold
    sensors: [climate-living]
    quantity: temperature
    below: 16
    clear_above: 18.5
    raise_after: 3h
    escalate: {after: 30m, repeat: 1h, siren: true}
  - id: not-up
    kind: inactivity
    sensors: [motion-hall, door-entrance]
    window: "23:30-6:15"
    quiet: 2h
`), demo)
	if err != nil {
		t.Fatal(err)
	}
	if f.Location.String() != berlin.String() {
		t.Errorf("location = %v, want %v", f.Location, berlin)
	}
	want := []rules.Rule{
		{ID: "cold", Kind: rules.Threshold, Severity: event.High, Sensors: []string{"climate-living"}, Quantity: "temperature",
			Below: true, RaiseAt: 16, ClearAt: 18.5, RaiseAfter: 3 * time.Hour,
			Escalate: rules.Escalation{After: 30 * time.Minute, Repeat: time.Hour, Siren: true}},
		{ID: "not-up", Kind: rules.Inactivity, Severity: event.High, Sensors: []string{"motion-hall", "door-entrance"},
			Window: rules.Window{From: 23*60 + 30, To: 6*60 + 15}, Quiet: 2 * time.Hour},
	}
	if len(f.Rules) != len(want) {
		t.Fatalf("got %d rules, want %d", len(f.Rules), len(want))
	}
	for i := range want {
		got, w := f.Rules[i], want[i]
		if got.ID != w.ID || got.Kind != w.Kind || got.Severity != w.Severity || !slices.Equal(got.Sensors, w.Sensors) ||
			got.Quantity != w.Quantity || got.Below != w.Below || got.RaiseAt != w.RaiseAt || got.ClearAt != w.ClearAt ||
			got.RaiseAfter != w.RaiseAfter || got.Escalate != w.Escalate || got.Window != w.Window || got.Quiet != w.Quiet {
			t.Errorf("rule %d:\n got %+v\nwant %+v", i, got, w)
		}
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{
			name: "every mistake at once, in line order",
			yaml: `rules:
  - id: gas
    kind: threshold
    sensors: [gas-kitchen, gas-garage]
    quantity: gas
    above: 1000
    clear_below: 2000
    raise_after: ten
    colour: red
  - id: gas
    kind: digital
    sensors: [door-entrance, gas-kitchen]
    until: forever
`,
			want: []string{
				`line 4: rules[0].sensors[1]: unknown sensor "gas-garage" (configured: button-bedroom, climate-living, door-entrance, gas-kitchen, mains, motion-bedroom, motion-hall, pendant-1, radar-bathroom, smoke-kitchen)`,
				`line 7: rules[0].clear_below: 2000 is above the raise level 1000`,
				`line 8: rules[0].raise_after: want a duration such as 30s, 10m or 4h, got "ten"`,
				`line 9: rules[0].colour: unknown field (want one of id, kind, severity, message, siren, escalate, sensors, quantity, above, below, clear_below, clear_above, raise_after, clear_after)`,
				`line 10: rules[1].id: id "gas" already used on line 2`,
				`line 12: rules[1].sensors[1]: sensor "gas-kitchen" is of kind gas; want one of call_button, pendant, smoke, door, motion, mains_power`,
				`line 13: rules[1].until: unknown "forever" (want ack, reset or release)`,
			},
		},
		{
			name: "unknown kind",
			yaml: "rules:\n  - id: x\n    kind: teleport\n",
			want: []string{`line 3: rules[0].kind: unknown kind "teleport" (want digital, threshold, inactivity, night_door, fall or health)`},
		},
		{
			name: "night door: wrong door kind, bad window, missing within",
			yaml: "rules:\n  - id: nd\n    kind: night_door\n    door: motion-hall\n    window: \"25:00-06:00\"\n",
			want: []string{
				`line 2: rules[0].within: missing (want how long the person has to be back, such as 10m)`,
				`line 4: rules[0].door: sensor "motion-hall" is of kind motion; want one of door`,
				`line 5: rules[0].window: want a daily window such as "07:00-11:00" or "23:00-06:00", got "25:00-06:00"`,
			},
		},
		{
			name: "threshold without levels",
			yaml: "rules:\n  - id: t\n    kind: threshold\n    sensors: [climate-living]\n    quantity: temperature\n",
			want: []string{`line 2: rules[0].above: missing (want above or below: the level that raises)`},
		},
		{
			name: "quiet longer than the window",
			yaml: "rules:\n  - id: i\n    kind: inactivity\n    sensors: [motion-hall]\n    window: \"07:00-09:00\"\n    quiet: 3h\n",
			want: []string{`line 6: rules[0].quiet: 3h is longer than the window 07:00-09:00`},
		},
		{
			name: "sensor in two health rules",
			yaml: "rules:\n  - id: h1\n    kind: health\n    sensors: [mains]\n    stale_after: 1h\n  - id: h2\n    kind: health\n    sensors: [mains]\n    chatter: {changes: 5, per: 1m}\n",
			want: []string{`line 6: rules[1].sensors: sensor "mains" already watched by health rule "h1"`},
		},
		{
			name: "health rule with nothing to check",
			yaml: "rules:\n  - id: h\n    kind: health\n    sensors: [mains]\n",
			want: []string{`line 2: rules[0]: a health rule needs stale_after, chatter or both`},
		},
		{
			name: "field given twice",
			yaml: "rules:\n  - id: b\n    kind: digital\n    sensors: [mains]\n    hold: 1s\n    hold: 2s\n",
			want: []string{`line 6: rules[0].hold: field given twice (first on line 5)`},
		},
		{
			name: "rules not a list",
			yaml: "rules: {a: 1}\n",
			want: []string{`line 1: rules: want a list of rules, got a mapping`},
		},
		{
			name: "unknown timezone",
			yaml: "timezone: Mars/Olympus\nrules: []\n",
			want: []string{`line 1: timezone: unknown timezone "Mars/Olympus" (want an IANA name such as Europe/Berlin)`},
		},
		{
			name: "tab in indentation",
			yaml: "rules:\n  - id: x\n\tkind: y\n",
			want: []string{`line 2: invalid YAML: found a tab character that violates indentation`},
		},
		{
			name: "empty file",
			yaml: "",
			want: []string{`empty rules file (want a mapping with a rules list)`},
		},
		{
			name: "bad severity and negative duration",
			yaml: "rules:\n  - id: b\n    kind: digital\n    sensors: [pendant-1]\n    severity: urgent\n    escalate: {after: -1m}\n",
			want: []string{
				`line 5: rules[0].severity: unknown severity "urgent" (want critical, high, medium, low or info)`,
				`line 6: rules[0].escalate.after: want a duration above zero, got "-1m"`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := rulesfile.Parse(strings.NewReader(tt.yaml), demo)
			if err == nil {
				t.Fatalf("Parse = %v, nil; want errors", e.Rules())
			}
			var es rulesfile.Errors
			if !errors.As(err, &es) {
				t.Fatalf("error %T %v is not rulesfile.Errors", err, err)
			}
			got := strings.Split(err.Error(), "\n")
			if !slices.Equal(got, tt.want) {
				t.Errorf("errors:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(tt.want, "\n     "))
			}
		})
	}
}

func TestLoadNamesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(path, []byte("rules:\n  - id: x\n    kind: digital\n    sensors: [nope]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := rulesfile.Load(path, demo)
	want := path + `:4: rules[0].sensors[0]: unknown sensor "nope"`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Load error = %v, want prefix %q", err, want)
	}
	var fe *rulesfile.Error
	if !errors.As(err, &fe) || fe.Line != 4 || fe.Field != "rules[0].sensors[0]" {
		t.Errorf("errors.As *Error = %+v, want line 4 at rules[0].sensors[0]", fe)
	}
	if _, err := rulesfile.Load(filepath.Join(t.TempDir(), "missing.yaml"), demo); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load of a missing file = %v, want os.ErrNotExist", err)
	}
}

func TestTooLarge(t *testing.T) {
	big := "rules: []\n" + strings.Repeat("# padding\n", 120000)
	_, err := rulesfile.Parse(strings.NewReader(big), demo)
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("Parse of a %d-byte file = %v, want a size error", len(big), err)
	}
}
