package rulesfile_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/rules/rulesfile"
)

// FuzzParse feeds arbitrary bytes as a rules file: Parse must return an
// engine or an error, never panic, and an engine it returns must run.
// Seeds: testdata/fuzz/FuzzParse, the default rules and the golden cases.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("../testdata/*/rules.yaml")
	seeds = append(seeds, "../../configs/rules.yaml")
	for _, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	now := time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := rulesfile.Parse(strings.NewReader(string(data)), demo)
		if err != nil {
			if e != nil {
				t.Fatalf("Parse returned both an engine and %v", err)
			}
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		// A valid file's engine must take readings and ticks.
		for id := range demo.Sensors {
			e.Reading(now, gateway.Reading{Sensor: id, Quantity: gateway.QActive, Value: 1, Time: now})
		}
		if at, ok := e.NextWake(); ok {
			e.Tick(at.Add(time.Hour))
		}
	})
}
