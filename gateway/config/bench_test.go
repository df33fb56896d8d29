package config_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/safehub-iot/safehub/gateway/config"
)

func BenchmarkParseExample(b *testing.B) {
	data, err := os.ReadFile("../../configs/example.yaml")
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		cfg, err := config.Parse(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		if err := cfg.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}
