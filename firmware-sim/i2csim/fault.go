package i2csim

import (
	"fmt"
	"math/rand/v2"
	"sync"
)

// Fault is a failure a scenario can switch on in a chip.
type Fault int

// The faults.
const (
	// NoFault is a healthy chip.
	NoFault Fault = iota
	// WirePulled makes every transaction to the chip fail, as when SDA, SCL
	// or power to the chip is disconnected.
	WirePulled
	// NACKStorm makes about half the transactions to the chip fail, from a
	// fixed pseudo-random sequence so runs repeat.
	NACKStorm
	// StuckLow pins an ADC's inputs at 0 V: an analog sensor unplugged or
	// without power. Only the ADS1115 knows it.
	StuckLow
	// StuckHigh pins an ADC's inputs at the top of its range: an input
	// shorted to the supply. Only the ADS1115 knows it.
	StuckHigh
)

func (f Fault) String() string {
	switch f {
	case NoFault:
		return "none"
	case WirePulled:
		return "wire_pulled"
	case NACKStorm:
		return "nack_storm"
	case StuckLow:
		return "stuck_low"
	case StuckHigh:
		return "stuck_high"
	}
	return fmt.Sprintf("Fault(%d)", int(f))
}

// ParseFault turns a fault's name (as String gives it) into a Fault, for
// scenario files.
func ParseFault(s string) (Fault, error) {
	for f := NoFault; f <= StuckHigh; f++ {
		if f.String() == s {
			return f, nil
		}
	}
	return 0, fmt.Errorf("unknown fault %q (want none, wire_pulled, nack_storm, stuck_low or stuck_high)", s)
}

// faults is the bus-side failure state every chip embeds.
type faults struct {
	mu    sync.Mutex
	fault Fault
	rng   *rand.Rand
	nacks int
	txs   int
}

// Fail switches f on until Repair.
func (f *faults) Fail(mode Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fault = mode
	f.rng = rand.New(rand.NewPCG(1, 2))
}

// Repair clears any fault.
func (f *faults) Repair() { f.Fail(NoFault) }

// Fault reports the fault switched on now.
func (f *faults) Fault() Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fault
}

// NACKs counts the transactions the chip has failed so far, so a test can
// wait for a failure that its driver reports nothing about.
func (f *faults) NACKs() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.nacks
}

// Transactions counts the transactions addressed to the chip so far, failed
// or not.
func (f *faults) Transactions() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.txs
}

// nack reports whether this transaction is lost on the bus.
func (f *faults) nack() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.txs++
	lost := f.fault == WirePulled || f.fault == NACKStorm && f.rng.IntN(2) == 0
	if lost {
		f.nacks++
	}
	return lost
}
