package cloudlink

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if burstboxDir != "" {
		os.RemoveAll(burstboxDir)
	}
	os.Exit(code)
}
