package daemon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/gateway/api"
	"github.com/safehub-iot/safehub/gateway/config"
	"github.com/safehub-iot/safehub/internal/atomicfile"
)

// pairer returns what pairs wireless devices: the registered driver with
// the Pairing ability for the requested kind.
func (d *Daemon) pairer() api.Pairer { return registryPairer{d: d} }

type registryPairer struct{ d *Daemon }

// Pair asks the driver that can pair req.Kind to learn the next unknown
// device, adds it to the config file as a sensor (atomically, keeping
// comments) and reloads.
func (p registryPairer) Pair(ctx context.Context, req api.PairRequest) (api.PairResult, error) {
	d := p.d
	cfg := d.Config()
	drv := gateway.PairingDriver(event.SensorKind(req.Kind))
	if drv == nil {
		return api.PairResult{}, fmt.Errorf("%w: kind %q: expected one of %s", api.ErrBadRequest, req.Kind, event.JoinSensorKinds(gateway.PairableKinds(), ", "))
	}
	if slices.ContainsFunc(cfg.Sensors, func(s config.Sensor) bool { return s.ID == req.Name }) {
		return api.PairResult{}, fmt.Errorf("%w: a sensor named %q exists already", api.ErrBadRequest, req.Name)
	}
	var same []gateway.SensorSpec
	for _, s := range cfg.SensorSpecs() {
		if s.Driver == drv.Name {
			same = append(same, s)
		}
	}
	d.log.Info("pairing: learn mode", "driver", drv.Name, "port", req.Port, "name", req.Name, "timeout", req.Timeout)
	got, err := drv.Pairing.Pair(ctx, d.env(), gateway.PairRequest{Kind: event.SensorKind(req.Kind), Port: req.Port, Timeout: req.Timeout, Sensors: same})
	switch {
	case errors.Is(err, gateway.ErrPairRequest):
		return api.PairResult{}, fmt.Errorf("%w: %w", api.ErrBadRequest, err)
	case err != nil:
		return api.PairResult{}, err
	}
	res := api.PairResult{Sensor: req.Name, Code: got.Code, Address: got.Address, Port: got.Port}
	sensor := map[string]any{"id": req.Name, "kind": req.Kind, "driver": drv.Name, "options": got.Options}
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
		cfg.ResolvePaths(filepath.Dir(path))
		err = cfg.Validate()
	}
	if err != nil {
		return invalid(path, err)
	}
	return atomicfile.WriteFile(path, out, fi.Mode().Perm())
}
