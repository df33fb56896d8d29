package duration

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    time.Duration
		wantErr string
	}{
		{"seconds", "30s", 30 * time.Second, ""},
		{"minutes", "5m", 5 * time.Minute, ""},
		{"compound", "1h30m", 90 * time.Minute, ""},
		{"fraction", "1.5h", 90 * time.Minute, ""},
		{"milliseconds", "300ms", 300 * time.Millisecond, ""},
		{"micro sign", "2µs", 2 * time.Microsecond, ""},
		{"negative (range checks are the caller's)", "-1m", -time.Minute, ""},
		{"zero", "0", 0, ""},
		{"no unit", "30", 0, `expected a duration such as 30s, 5m or 1h30m, got "30"`},
		{"a word", "soon", 0, `expected a duration such as 30s, 5m or 1h30m, got "soon"`},
		{"empty", "", 0, `expected a duration such as 30s, 5m or 1h30m, got ""`},
		{"days are not a unit", "1d", 0, `got "1d"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.in)
			if got != tc.want {
				t.Errorf("Parse(%q) = %v, want %v", tc.in, got, tc.want)
			}
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("err = %v, want none", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("err = %v, want %s", err, tc.wantErr)
			}
			var se *SyntaxError
			if tc.wantErr != "" && !errors.As(err, &se) {
				t.Errorf("err is %T, want *SyntaxError", err)
			}
		})
	}
}

// TestParseAcceptsWhatGoAccepts: Parse replaced time.ParseDuration in every
// reader, so it must accept whatever that did, with the same value.
func TestParseAcceptsWhatGoAccepts(t *testing.T) {
	for _, s := range []string{"1ns", "1us", "1µs", "1μs", "1ms", "1s", "1m", "1h", "+5s", "-5s", "1h2m3s4ms", ".5s", "5.s", "0s", "2562047h"} {
		want, werr := time.ParseDuration(s)
		got, err := Parse(s)
		if (werr == nil) != (err == nil) || got != want {
			t.Errorf("Parse(%q) = %v, %v; time.ParseDuration gives %v, %v", s, got, err, want, werr)
		}
	}
}

func TestDurationYAML(t *testing.T) {
	type doc struct {
		A Duration `yaml:"a"`
		B Duration `yaml:"b"`
	}
	tests := []struct {
		name    string
		in      string
		want    doc
		wantErr []string
	}{
		{"both", "a: 30s\nb: 1h30m\n", doc{Duration(30 * time.Second), Duration(90 * time.Minute)}, nil},
		{"every mistake, each with its line", "a: soon\nb: [1s]\n",
			doc{}, []string{`line 1: expected a duration such as 30s, 5m or 1h30m, got "soon"`, "line 2: expected a duration"}},
		// yaml.v3 calls no unmarshaler for null: the value stays as it was.
		{"null leaves it", "a: ~\n", doc{}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got doc
			err := yaml.Unmarshal([]byte(tc.in), &got)
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			if tc.wantErr == nil && err != nil {
				t.Fatalf("err = %v", err)
			}
			for _, w := range tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want it to contain %q", err, w)
				}
			}
		})
	}
	out, err := yaml.Marshal(doc{A: Duration(90 * time.Second)})
	if err != nil || string(out) != "a: 1m30s\nb: 0s\n" {
		t.Errorf("marshal: %q, %v", out, err)
	}
}

func TestDurationText(t *testing.T) {
	var v struct{ Hold Duration }
	if err := json.Unmarshal([]byte(`{"Hold": "2s"}`), &v); err != nil || v.Hold.D() != 2*time.Second {
		t.Fatalf("unmarshal: %v, %v", v.Hold, err)
	}
	b, err := json.Marshal(v)
	if err != nil || string(b) != `{"Hold":"2s"}` {
		t.Errorf("marshal: %s, %v", b, err)
	}
	err = json.Unmarshal([]byte(`{"Hold": "later"}`), &v)
	if err == nil || !strings.Contains(err.Error(), `expected a duration such as 30s, 5m or 1h30m, got "later"`) {
		t.Errorf("err = %v", err)
	}
}
