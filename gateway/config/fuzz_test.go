package config_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/safehub-iot/safehub/gateway/config"
)

// FuzzParse feeds arbitrary bytes to the config parser and validator: they
// must return a config or errors, never panic, and every error must carry a
// message.
func FuzzParse(f *testing.F) {
	for _, p := range []string{"../../configs/example.yaml", "testdata/valid.yaml", "testdata/five-mistakes.yaml"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := config.Parse(bytes.NewReader(data))
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if verr := cfg.Validate(); verr != nil && verr.Error() == "" {
			t.Fatal("empty validation message")
		}
	})
}
