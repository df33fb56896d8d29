package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/gateway/config"
	"github.com/safehub-iot/safehub/gateway/daemon"
	"github.com/safehub-iot/safehub/internal/cli"
	"github.com/safehub-iot/safehub/rules"
	"github.com/safehub-iot/safehub/rules/rulesfile"
)

// checkConfig checks the config at path and the rules file it names, and
// prints what is valid but probably a mistake as warnings: a sensor no rule
// can raise an alarm for, a placeholder phone number. Warnings exit 0.
func checkConfig(stdout io.Writer, path string) error {
	cfg, err := config.Load(path)
	if err != nil {
		return cli.WithCode(exitInvalid, fmt.Errorf("%s: invalid config:\n%w", path, indent(err)))
	}
	ws, err := sensorWarnings(cfg)
	if err != nil {
		return cli.WithCode(exitInvalid, fmt.Errorf("%s: invalid rules:\n%w", cfg.Rules.File, err))
	}
	ws = append(cfg.Warnings(), ws...)
	for _, w := range ws {
		w.File = path
		fmt.Fprintf(stdout, "warning: %v\n", w)
	}
	if len(ws) > 0 {
		plural := "s"
		if len(ws) == 1 {
			plural = ""
		}
		fmt.Fprintf(stdout, "%s: config is valid, with %d warning%s\n", path, len(ws), plural)
		return nil
	}
	fmt.Fprintf(stdout, "%s: config is valid\n", path)
	return nil
}

// sensorWarnings warns about each sensor no rule can raise an alarm for:
// its readings would be logged and never call anyone. Health rules raise
// faults, and a fall's cancel_by sensors only cancel, so neither counts. A
// reset button raises nothing by design: no rule sees it.
func sensorWarnings(cfg *config.File) (config.Errors, error) {
	alarms := map[string]bool{}
	why := fmt.Sprintf("no rules file (rules.file): the built-in mapping alarms only for %v", gateway.BuiltinAlarmKinds)
	if cfg.Rules.File == "" {
		for _, s := range cfg.Sensors {
			alarms[s.ID] = slices.Contains(gateway.BuiltinAlarmKinds, s.Kind)
		}
	} else {
		why = "no rule in " + cfg.Rules.File + " raises an alarm for it"
		fh, err := os.Open(cfg.Rules.File)
		if err != nil {
			return nil, fmt.Errorf("open rules: %w", err)
		}
		defer fh.Close()
		rf, err := rulesfile.Decode(fh, daemon.RulesEnv(cfg))
		if err != nil {
			var es rulesfile.Errors
			if errors.As(err, &es) {
				for _, e := range es {
					e.File = cfg.Rules.File
				}
			}
			return nil, err
		}
		for _, r := range rf.Rules {
			if r.Kind == rules.Health {
				continue
			}
			for _, id := range slices.Concat(r.Sensors, r.Inside, []string{r.Door}) {
				alarms[id] = true
			}
		}
	}
	var ws config.Errors
	for i, s := range cfg.Sensors {
		if !alarms[s.ID] && s.Kind != event.ResetButton {
			ws = append(ws, cfg.Warn(fmt.Sprintf("sensors[%d].id", i), "sensor %q (%s): %s", s.ID, s.Kind, why))
		}
	}
	return ws, nil
}
