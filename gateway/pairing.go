package gateway

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/safehub-iot/safehub/event"
)

// Errors a Pairing reports, for the caller to tell apart with errors.Is.
var (
	// ErrPairRequest: the request cannot be served as given (a kind the
	// driver cannot pair, no port to listen on). The message says what to
	// change.
	ErrPairRequest = errors.New("pairing request")
	// ErrPairTimeout: nothing new was heard before the timeout.
	ErrPairTimeout = errors.New("nothing new heard")
)

// Pairing is an optional ability of a driver family whose devices are
// learned rather than wired (a 433 MHz bridge): it listens for one device
// nobody has paired yet and says how to configure it. A driver that has it
// sets Driver.Pairing; the daemon finds it through the registry and never
// names the driver.
type Pairing interface {
	// Pair listens until timeout for one unknown device and returns the
	// options that make it a sensor of req.Kind. It returns an error
	// wrapping ErrPairRequest for a request it cannot serve and
	// ErrPairTimeout when nothing new was heard. It holds no resource
	// after it returns.
	Pair(ctx context.Context, env Env, req PairRequest) (Paired, error)
}

// PairRequest is what the technician asked to pair.
type PairRequest struct {
	// Kind is the sensor kind the device will be (pendant, door, ...).
	Kind event.SensorKind
	// Port is where to listen; empty means the one the configured sensors
	// of this driver use (Sensors).
	Port    string
	Timeout time.Duration
	// Sensors are the configured sensors of this driver.
	Sensors []SensorSpec
}

// Paired is a learned device.
type Paired struct {
	Port    string
	Code    string // the device's code as heard, for the technician
	Address uint32
	// Options are the sensor's driver options for the config file.
	Options map[string]any
}

// PairingDriver returns the registered driver that can pair devices of
// the given sensor kind, or nil.
func PairingDriver(kind event.SensorKind) *Driver {
	regMu.RLock()
	defer regMu.RUnlock()
	for _, name := range sortedNames() {
		d := drivers[name]
		if d.Pairing == nil {
			continue
		}
		for _, k := range d.Kinds {
			if k == kind {
				return d
			}
		}
	}
	return nil
}

// PairableKinds lists the sensor kinds some registered driver can pair,
// sorted.
func PairableKinds() []event.SensorKind {
	regMu.RLock()
	defer regMu.RUnlock()
	var kinds []event.SensorKind
	for _, d := range drivers {
		if d.Pairing != nil {
			kinds = append(kinds, d.Kinds...)
		}
	}
	slices.Sort(kinds)
	return slices.Compact(kinds)
}
