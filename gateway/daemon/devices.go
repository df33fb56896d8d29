package daemon

import (
	"context"
	"fmt"
	"time"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/gateway/config"
)

// openRetry is how often a sensor whose device could not be opened is tried
// again.
const openRetry = 15 * time.Second

func (d *Daemon) env() gateway.Env {
	return gateway.Env{HW: d.hw, Clock: d.clock, Log: d.log}
}

// OutputStatus is whether an output (siren, LED) could be opened, for the
// self-test report.
type OutputStatus struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// openOutputs opens every configured output. It runs before the pipeline
// applies the saved state, so the siren of an alarm latched before a
// restart sounds again. One that cannot be opened is returned as a
// high-severity fault event naming it, to commit once the pipeline runs (a
// siren that cannot sound must not go unnoticed at the center), and is
// listed as failed in the self-test; the others and every sensor go on.
func (d *Daemon) openOutputs(cfg *config.File) (faults []*event.Event) {
	var status []OutputStatus
	held := map[string]*heldOutput{}
	for _, spec := range cfg.OutputSpecs() {
		drv := gateway.LookupDriver(spec.Driver)
		if drv == nil || drv.ConfigureOutput == nil {
			continue // Validate has rejected it already
		}
		op, err := drv.ConfigureOutput(spec)
		if err == nil {
			var out gateway.Output
			if out, err = op.OpenOutput(d.env()); err == nil {
				h := &heldOutput{out: out} // for the technician's output test (outputs.go)
				d.pipe.AddOutput(spec.ID, spec.Kind, h)
				held[spec.ID] = h
				status = append(status, OutputStatus{ID: spec.ID, Kind: spec.Kind, OK: true})
				continue
			}
		}
		status = append(status, OutputStatus{ID: spec.ID, Kind: spec.Kind, Error: err.Error()})
		err = fmt.Errorf("output %s: %w", spec.ID, err)
		d.log.Error("output not available", "output", spec.ID, "err", err)
		faults = append(faults, &event.Event{Kind: event.SensorFault, Severity: event.High, Sensor: spec.ID, SensorKind: spec.Kind,
			Message: "output not available: " + err.Error()})
	}
	d.mu.Lock()
	d.outputs, d.held = status, held
	d.mu.Unlock()
	return faults
}

// Outputs reports which outputs were opened.
func (d *Daemon) Outputs() []OutputStatus {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]OutputStatus(nil), d.outputs...)
}

// startSensors starts one goroutine per sensor. A sensor whose device cannot
// be opened reports a fault (never silently ignored) and is retried.
func (d *Daemon) startSensors(cfg *config.File) {
	d.mu.Lock()
	defer d.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	d.sensorCtx, d.stopSens = ctx, cancel
	for _, spec := range cfg.SensorSpecs() {
		out := d.pipe.Emitter(spec.ID)
		d.sensorsWG.Add(1)
		go func() {
			defer d.sensorsWG.Done()
			d.runSensor(ctx, spec, out)
		}()
	}
}

func (d *Daemon) runSensor(ctx context.Context, spec gateway.SensorSpec, out gateway.Emitter) {
	log := d.log.With("sensor", spec.ID)
	for ctx.Err() == nil {
		s, err := d.openSensor(spec)
		if err != nil {
			log.Error("sensor cannot be opened", "err", err)
			out.Status(gateway.Status{Health: event.HealthFault, Reason: err.Error(), Time: d.clock.Now()})
			select {
			case <-ctx.Done():
				return
			case <-d.clock.After(openRetry):
				continue
			}
		}
		if err := s.Run(ctx, out); err != nil {
			log.Error("sensor stopped", "err", err)
			out.Status(gateway.Status{Health: event.HealthFault, Reason: err.Error(), Time: d.clock.Now()})
			select {
			case <-ctx.Done():
				return
			case <-d.clock.After(openRetry):
			}
		}
	}
}

func (d *Daemon) openSensor(spec gateway.SensorSpec) (gateway.Sensor, error) {
	drv := gateway.LookupDriver(spec.Driver)
	if drv == nil {
		return nil, fmt.Errorf("no driver %q", spec.Driver)
	}
	op, err := drv.Configure(spec)
	if err != nil {
		return nil, err
	}
	return op.Open(d.env())
}

func (d *Daemon) stopSensors() {
	d.mu.Lock()
	cancel := d.stopSens
	d.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	d.sensorsWG.Wait()
}
