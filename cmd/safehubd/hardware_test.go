package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestProductionBuildLinksNoSimulator guards the layering: the daemon a box
// runs carries the real host's hardware only, never firmware-sim.
func TestProductionBuildLinksNoSimulator(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	require.NoError(t, err, "go list: %s", out)
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(dep, "/firmware-sim") {
			t.Errorf("safehubd links %s", dep)
		}
	}
}

func TestOpenHardwareNamesWhatThisBuildDrives(t *testing.T) {
	_, err := openHardware("sim", nil)
	require.Error(t, err)
	require.Contains(t, err.Error(), "drives periph only")
	require.Contains(t, err.Error(), "-tags simhw")
}
