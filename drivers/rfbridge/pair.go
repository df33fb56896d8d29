package rfbridge

import (
	"context"
	"errors"
	"fmt"

	"github.com/safehub-iot/safehub/gateway"
)

// pairCheckIn is a paired device's supervision window until the technician
// sets the vendor's (most report in every hour or two).
const pairCheckIn = "3h"

// pairing is the driver's gateway.Pairing: learn mode on the bridge.
type pairing struct{}

// Pair opens (or shares) the bridge, listens for the next code from no
// paired device and returns the options that bind its address to a sensor
// of req.Kind, with the one event that kind cannot do without.
func (pairing) Pair(ctx context.Context, env gateway.Env, req gateway.PairRequest) (gateway.Paired, error) {
	ev, ok := required[req.Kind]
	if !ok {
		return gateway.Paired{}, fmt.Errorf("%w: kind %q: expected pendant, door or smoke", gateway.ErrPairRequest, req.Kind)
	}
	opts := DefaultOptions()
	opts.Port = req.Port
	if opts.Port == "" {
		for _, s := range req.Sensors {
			if s.Options == nil {
				continue
			}
			if err := s.Options.Decode(&opts); err == nil && opts.Port != "" {
				break
			}
		}
	}
	if opts.Port == "" {
		return gateway.Paired{}, fmt.Errorf("%w: no wireless sensor in config to take the bridge's port from: give the port (e.g. /dev/ttyUSB0)", gateway.ErrPairRequest)
	}
	br, err := OpenBridge(env, opts.Port, opts.Baud)
	if err != nil {
		return gateway.Paired{}, fmt.Errorf("open the RF bridge on %s: %w", opts.Port, err)
	}
	defer br.Close()
	code, err := Learn(ctx, opts.Port, req.Timeout)
	if errors.Is(err, ErrLearnTimeout) {
		return gateway.Paired{Port: opts.Port}, fmt.Errorf("%w on %s within %s: trigger the device closer to the box, or check its battery", gateway.ErrPairTimeout, opts.Port, req.Timeout)
	}
	if err != nil {
		return gateway.Paired{}, err
	}
	return gateway.Paired{
		Port: opts.Port, Code: code.String(), Address: code.Address(),
		Options: map[string]any{"port": opts.Port, "address": code.Address(),
			"events": map[string]uint8{ev: code.Data()}, "check_in": pairCheckIn},
	}, nil
}
