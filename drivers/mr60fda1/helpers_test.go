package mr60fda1_test

import (
	"testing"

	"github.com/safehub-iot/safehub/drivers/internal/drivertest"
	"github.com/safehub-iot/safehub/event"
)

// The shared test parts (drivers/internal/drivertest) under this package's
// short names.
type (
	serialHW    = drivertest.SerialHW
	yamlOptions = drivertest.YAMLOptions
	recorder    = drivertest.Recorder
)

func lastIs(tb testing.TB, got []event.Health, want event.Health) bool {
	tb.Helper()
	return len(got) > 0 && got[len(got)-1] == want
}
