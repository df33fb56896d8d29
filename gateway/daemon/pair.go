package daemon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/safehub-iot/safehub/drivers/rfbridge"
	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway/api"
	"github.com/safehub-iot/safehub/gateway/config"
)

// pairCheckIn is a paired device's supervision window until the technician
// sets the vendor's (most report in every hour or two).
const pairCheckIn = "3h"

// pairer returns what pairs 433 MHz devices through the RF bridge.
func (d *Daemon) pairer() api.Pairer { return rfPairer{d: d} }

type rfPairer struct{ d *Daemon }

// Pair listens on the bridge for the next unknown code, adds the device to
// the config file as a sensor (atomically, keeping comments) and reloads.
func (p rfPairer) Pair(ctx context.Context, req api.PairRequest) (api.PairResult, error) {
	d := p.d
	cfg := d.Config()
	// The learned code's data bits stand for the event a device of that
	// kind cannot do without.
	ev, ok := rfbridge.RequiredEvent(event.SensorKind(req.Kind))
	if !ok {
		return api.PairResult{}, fmt.Errorf("%w: kind %q: expected one of %s", api.ErrBadRequest, req.Kind, event.JoinSensorKinds(rfbridge.Kinds, ", "))
	}
	if slices.ContainsFunc(cfg.Sensors, func(s config.Sensor) bool { return s.ID == req.Name }) {
		return api.PairResult{}, fmt.Errorf("%w: a sensor named %q exists already", api.ErrBadRequest, req.Name)
	}
	opts := rfbridge.DefaultOptions()
	opts.Port = req.Port
	if opts.Port == "" {
		for _, s := range cfg.Sensors {
			if s.Driver == "rf433" {
				if err := s.Options.Decode(&opts); err == nil && opts.Port != "" {
					break
				}
			}
		}
	}
	if opts.Port == "" {
		return api.PairResult{}, fmt.Errorf("%w: no wireless sensor in config to take the bridge's port from: give the port (e.g. /dev/ttyUSB0)", api.ErrBadRequest)
	}
	br, err := rfbridge.OpenBridge(d.env(), opts.Port, opts.Baud)
	if err != nil {
		return api.PairResult{}, fmt.Errorf("open the RF bridge on %s: %w", opts.Port, err)
	}
	defer br.Close()
	d.log.Info("pairing: learn mode", "port", opts.Port, "name", req.Name, "timeout", req.Timeout)
	code, err := rfbridge.Learn(ctx, opts.Port, req.Timeout)
	if errors.Is(err, rfbridge.ErrLearnTimeout) {
		return api.PairResult{}, fmt.Errorf("nothing new heard on %s within %s: trigger the device closer to the box, or check its battery", opts.Port, req.Timeout)
	}
	if err != nil {
		return api.PairResult{}, err
	}
	res := api.PairResult{Sensor: req.Name, Code: code.String(), Address: code.Address(), Port: opts.Port}
	sensor := map[string]any{
		"id": req.Name, "kind": req.Kind, "driver": "rf433",
		"options": map[string]any{"port": opts.Port, "address": code.Address(), "events": map[string]uint8{ev: code.Data()},
			"check_in": pairCheckIn},
	}
	if req.Room != "" {
		sensor["room"] = req.Room
	}
	if err := addSensor(d.opts.ConfigPath, sensor); err != nil {
		return res, err
	}
	d.log.Info("pairing: device added to config", "sensor", req.Name, "code", res.Code)
	note, err := (&apiBackend{d: d}).Reload(ctx)
	if err != nil {
		res.Reload = "saved, but the reload failed: " + err.Error()
	} else {
		res.Reload = note
	}
	return res, nil
}

// addSensor appends a sensor to the config file, refusing a result that
// would not be valid.
func addSensor(path string, sensor map[string]any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	doc, err := config.ParseDoc(data)
	if err != nil {
		return invalid(path, err)
	}
	if err := doc.AppendSensor(sensor); err != nil {
		return err
	}
	out, err := doc.Bytes()
	if err != nil {
		return err
	}
	cfg, err := config.Parse(bytes.NewReader(out))
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		return invalid(path, err)
	}
	return config.WriteFileAtomic(path, out, fi.Mode().Perm())
}
