package daemon

import (
	"context"
	"fmt"
	"time"

	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/gateway/config"
)

// openRetry is how often a sensor whose device could not be opened is tried
// again.
const openRetry = 15 * time.Second

func (d *Daemon) env() gateway.Env {
	return gateway.Env{HW: d.hw, Clock: d.clock, Log: d.log}
}

func (d *Daemon) openOutputs(cfg *config.File) error {
	var first error
	for _, spec := range cfg.OutputSpecs() {
		drv := gateway.LookupDriver(spec.Driver)
		if drv == nil || drv.ConfigureOutput == nil {
			continue // Validate has rejected it already
		}
		op, err := drv.ConfigureOutput(spec)
		if err == nil {
			var out gateway.Output
			if out, err = op.OpenOutput(d.env()); err == nil {
				d.pipe.AddOutput(spec.ID, spec.Kind, out)
				continue
			}
		}
		err = fmt.Errorf("output %s: %w", spec.ID, err)
		if first == nil {
			first = err
		}
		d.log.Error("output not available", "output", spec.ID, "err", err)
	}
	return first
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
			out.Status(gateway.Status{Health: gateway.HealthFault, Reason: err.Error(), Time: d.clock.Now()})
			select {
			case <-ctx.Done():
				return
			case <-d.clock.After(openRetry):
				continue
			}
		}
		if err := s.Run(ctx, out); err != nil {
			log.Error("sensor stopped", "err", err)
			out.Status(gateway.Status{Health: gateway.HealthFault, Reason: err.Error(), Time: d.clock.Now()})
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
