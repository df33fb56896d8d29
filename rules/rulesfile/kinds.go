package rulesfile

import (
	"math"

	"github.com/safehub-iot/safehub/rules"
	"gopkg.in/yaml.v3"
)

// The options of each kind of rule: digital, threshold, night door, health.

func (p *parser) digital(r *rules.Rule, f map[string]*yaml.Node, path string) {
	p.kinds(f["sensors"], path+".sensors", r.Sensors, digitalKinds)
	r.Until = rules.UntilAck
	if n := f["until"]; n != nil {
		r.Until = rules.Until(p.str(n, path+".until"))
		if r.Until != rules.UntilAck && r.Until != rules.UntilReset && r.Until != rules.UntilRelease {
			p.errf(n, path+".until", "unknown %q (want ack, reset or release)", r.Until)
		}
	}
	r.Hold = p.dur(f["hold"], path+".hold", false)
}

func (p *parser) threshold(r *rules.Rule, n *yaml.Node, f map[string]*yaml.Node, path string) {
	r.Quantity = p.str(f["quantity"], path+".quantity")
	allowed, ok := quantityKinds[r.Quantity]
	switch {
	case f["quantity"] == nil:
		p.errf(n, path+".quantity", "missing (want gas, temperature, humidity or pressure)")
	case !ok:
		p.errf(f["quantity"], path+".quantity", "unknown %q (want gas, temperature, humidity or pressure)", r.Quantity)
	default:
		p.kinds(f["sensors"], path+".sensors", r.Sensors, allowed)
	}
	above, below := f["above"], f["below"]
	switch {
	case above != nil && below != nil:
		p.errf(below, path+".below", "give above or below, not both")
	case above != nil:
		r.RaiseAt = p.num(above, path+".above")
		if f["clear_above"] != nil {
			p.errf(f["clear_above"], path+".clear_above", "goes with below; with above give clear_below")
		}
		if c := f["clear_below"]; c == nil {
			p.errf(n, path+".clear_below", "missing (want the level under which the alarm clears)")
		} else if r.ClearAt = p.num(c, path+".clear_below"); r.ClearAt > r.RaiseAt {
			p.errf(c, path+".clear_below", "%v is above the raise level %v", r.ClearAt, r.RaiseAt)
		}
	case below != nil:
		r.Below = true
		r.RaiseAt = p.num(below, path+".below")
		if f["clear_below"] != nil {
			p.errf(f["clear_below"], path+".clear_below", "goes with above; with below give clear_above")
		}
		if c := f["clear_above"]; c == nil {
			p.errf(n, path+".clear_above", "missing (want the level over which the alarm clears)")
		} else if r.ClearAt = p.num(c, path+".clear_above"); r.ClearAt < r.RaiseAt {
			p.errf(c, path+".clear_above", "%v is below the raise level %v", r.ClearAt, r.RaiseAt)
		}
	default:
		p.errf(n, path+".above", "missing (want above or below: the level that raises)")
	}
	r.RaiseAfter = p.dur(f["raise_after"], path+".raise_after", false)
	r.ClearAfter = p.dur(f["clear_after"], path+".clear_after", false)
}

func (p *parser) nightDoor(r *rules.Rule, n *yaml.Node, f map[string]*yaml.Node, path string) {
	if f["door"] == nil {
		p.errf(n, path+".door", "missing (want the entrance door's sensor id)")
	} else {
		r.Door = p.str(f["door"], path+".door")
		p.kinds(f["door"], path+".door", []string{r.Door}, doorKinds)
	}
	r.Inside = p.sensorList(f["inside"], path+".inside", false)
	p.kinds(f["inside"], path+".inside", r.Inside, insideKinds)
	r.Window = p.window(f["window"], n, path+".window")
	r.Within = p.dur(f["within"], path+".within", true)
	if f["within"] == nil {
		p.errf(n, path+".within", "missing (want how long the person has to be back, such as 10m)")
	}
}

func (p *parser) health(r *rules.Rule, n *yaml.Node, f map[string]*yaml.Node, path string) {
	if f["severity"] != nil {
		p.errf(f["severity"], path+".severity", "health rules report faults at high severity; remove it")
	}
	if f["siren"] != nil {
		p.errf(f["siren"], path+".siren", "health rules do not sound the siren")
	}
	r.StaleAfter = p.dur(f["stale_after"], path+".stale_after", true)
	if c := f["chatter"]; c != nil {
		cf := p.fields(c, path+".chatter", []string{"changes", "per"})
		if cf != nil {
			if cf["changes"] == nil || cf["per"] == nil {
				p.errf(c, path+".chatter", "want both changes and per (such as changes: 10, per: 1m)")
			}
			v := p.num(cf["changes"], path+".chatter.changes")
			if cf["changes"] != nil && (v < 1 || v > 1000 || v != math.Trunc(v)) {
				p.errf(cf["changes"], path+".chatter.changes", "want a whole number from 1 to 1000, got %v", v)
			} else {
				r.ChatterChanges = int(v)
			}
			r.ChatterPer = p.dur(cf["per"], path+".chatter.per", true)
		}
	}
	if r.StaleAfter == 0 && r.ChatterChanges == 0 {
		p.errf(n, path, "a health rule needs stale_after, chatter or both")
	}
}
