package daemon

import (
	"context"
	"fmt"
	"slices"

	"github.com/safehub-iot/safehub/gateway/config"
)

// Reload re-reads the config file (SIGHUP). An invalid file changes nothing:
// the old config stays in force and the returned error lists every mistake.
// A valid one restarts the sensors and replaces the rules; changes to the
// store, the cloud link or the outputs take effect at the next restart, and
// the error says so.
func (d *Daemon) Reload(ctx context.Context) error {
	d.notify("RELOADING=1")
	defer d.notify("READY=1")
	cfg, err := config.Load(d.opts.ConfigPath)
	if err != nil {
		return fmt.Errorf("config not reloaded, the old one stays in force:\n%w", err)
	}
	eval, err := d.buildEvaluator(cfg)
	if err != nil {
		return fmt.Errorf("config not reloaded, the old one stays in force: %w", err)
	}
	d.stopSensors()
	if err := d.pipe.SetSensors(ctx, cfg.SensorSpecs()); err != nil {
		return err
	}
	if err := d.installEvaluator(ctx, eval); err != nil {
		return err
	}
	old := d.Config()
	d.mu.Lock()
	d.cfg = cfg
	d.mu.Unlock()
	d.startSensors(cfg)
	d.log.Info("config reloaded", "sensors", len(cfg.Sensors))
	if old.Store != cfg.Store || !slices.Equal(old.Cloud.Brokers, cfg.Cloud.Brokers) || old.Cloud.TLS != cfg.Cloud.TLS || len(old.Outputs) != len(cfg.Outputs) {
		return fmt.Errorf("config reloaded, but store, cloud or output changes take effect only after a restart")
	}
	return nil
}
