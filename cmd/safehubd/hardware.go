package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/safehub-iot/safehub/drivers/hostio"
	"github.com/safehub-iot/safehub/gateway"
)

// hardware maps the config's hardware names to what opens them. Only the
// real host's pins and buses (periph) are linked into a production build;
// the simulator's devices ("sim") join with -tags simhw (hardware_sim.go),
// for tests that run the real binary on simulated devices.
var hardware = map[string]func(gateway.Clock) (gateway.Hardware, error){
	"periph": func(gateway.Clock) (gateway.Hardware, error) { return hostio.New() },
}

// openHardware is the daemon's Options.OpenHardware.
func openHardware(name string, clock gateway.Clock) (gateway.Hardware, error) {
	open, ok := hardware[name]
	if !ok {
		names := make([]string, 0, len(hardware))
		for n := range hardware {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("this safehubd drives %s only (the simulated hardware \"sim\" runs in safehub-sim, or in a safehubd built with -tags simhw)", strings.Join(names, ", "))
	}
	return open(clock)
}
