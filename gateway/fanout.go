// Fan-out of what the loop decided: committed events to subscribers (the cloud
// link, the local API) and switch actions to the registered outputs.

package gateway

import (
	"github.com/safehub-iot/safehub/event"
)

// Subscribe returns a channel of committed events. A subscriber that falls
// more than buf events behind misses events (logged): the store, not this
// channel, is the record. Call the returned func to unsubscribe.
func (p *Pipeline) Subscribe(buf int) (<-chan event.Event, func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ch := make(chan event.Event, buf)
	id := p.nextID
	p.nextID++
	p.subs[id] = ch
	return ch, func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if c, ok := p.subs[id]; ok {
			delete(p.subs, id)
			close(c)
		}
	}
}

func (p *Pipeline) publish(evs []*event.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, ev := range evs {
		p.log.Info("event", "seq", ev.Seq, "kind", ev.Kind, "severity", ev.Severity, "sensor", ev.Sensor, "msg", ev.Message, "test", ev.Test)
		for id, ch := range p.subs {
			select {
			case ch <- *ev:
			default:
				p.log.Warn("event subscriber too slow; event skipped for it", "subscriber", id, "seq", ev.Seq)
			}
		}
	}
}

// AddOutput registers an opened output under its id and kind. Call before
// Run.
func (p *Pipeline) AddOutput(id, kind string, o Output) {
	p.outMu.Lock()
	defer p.outMu.Unlock()
	p.outputs[id] = append(p.outputs[id], o)
	if kind != id {
		p.outputs[kind] = append(p.outputs[kind], o)
	}
}

func (p *Pipeline) setOutput(name string, on bool) {
	p.outMu.Lock()
	outs := p.outputs[name]
	p.outMu.Unlock()
	for _, o := range outs {
		if err := o.Set(on); err != nil {
			p.log.Error("drive output", "output", name, "on", on, "err", err)
		}
	}
}
