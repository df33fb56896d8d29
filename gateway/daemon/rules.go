package daemon

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/gateway/config"
	"github.com/safehub-iot/safehub/internal/atomicfile"
	"github.com/safehub-iot/safehub/rules"
	"github.com/safehub-iot/safehub/rules/rulesfile"
)

// RulesEnv is what a rules file is checked against: the config's sensors and
// the site's timezone.
func RulesEnv(cfg *config.File) rulesfile.Env {
	env := rulesfile.Env{Sensors: map[string]string{}}
	for _, s := range cfg.Sensors {
		env.Sensors[s.ID] = string(s.Kind)
	}
	if loc, err := time.LoadLocation(cfg.Site.Timezone); err == nil {
		env.Location = loc
	}
	return env
}

// buildEvaluator returns the rules in force: the rules file when one is
// configured, else the built-in mapping.
func (d *Daemon) buildEvaluator(cfg *config.File) (gateway.Evaluator, error) {
	if cfg.Rules.File == "" {
		return gateway.NewBuiltinRules(cfg.SensorSpecs()), nil
	}
	eng, err := rulesfile.Load(cfg.Rules.File, RulesEnv(cfg))
	if err != nil {
		return nil, fmt.Errorf("rules file %s: %w", cfg.Rules.File, err)
	}
	return eng, nil
}

// installEvaluator switches the pipeline to new rules, carrying latched
// alarms, escalation and hold timers over from the old engine.
func (d *Daemon) installEvaluator(ctx context.Context, next gateway.Evaluator) error {
	return d.pipe.Exec(ctx, func(now time.Time, old gateway.Evaluator) []gateway.Action {
		var acts []gateway.Action
		ne, ok1 := next.(*rules.Engine)
		oe, ok2 := old.(*rules.Engine)
		if ok1 && ok2 {
			acts = ne.Carry(now, oe)
		}
		d.pipe.SwapEvaluator(next)
		return acts
	})
}

// ReplaceRules validates rules file content sent by the center and, when
// valid, installs it: it is written to the configured rules file (atomically)
// and takes effect at once. A bad file is refused with every mistake and the
// running rules stay.
func (d *Daemon) ReplaceRules(ctx context.Context, content []byte) error {
	cfg := d.Config()
	eng, err := rulesfile.Parse(bytes.NewReader(content), RulesEnv(cfg))
	if err != nil {
		return fmt.Errorf("rules refused, the running rules stay: %w", err)
	}
	if cfg.Rules.File != "" {
		if err := atomicfile.WriteFile(cfg.Rules.File, content, 0o640); err != nil {
			return fmt.Errorf("save rules: %w", err)
		}
	}
	return d.installEvaluator(ctx, eng)
}
