package daemon

// The technician's output test (safehubctl outputs test) as the daemon
// serves it: each opened output is wrapped so that a test can hold it on
// and then put it back as the rules left it.

import (
	"fmt"
	"sync"

	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/gateway/api"
)

// heldOutput is an opened output as the pipeline drives it. The pipeline
// keeps no output state (it only calls Set), so heldOutput remembers what
// the pipeline last asked; a test holds the output on over that and, when
// it releases it, the output goes back to what the pipeline asked, which
// may have changed meanwhile. The output's level is always want || held:
// a test never switches off a siren the rules switched on, nor an
// acknowledgement's help LED.
type heldOutput struct {
	out gateway.Output

	mu   sync.Mutex
	want bool // what the pipeline (rules, acknowledgements, center commands) last asked
	held bool // a test holds it on
}

// Set implements gateway.Output for the pipeline.
func (o *heldOutput) Set(on bool) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.want = on
	return o.out.Set(o.want || o.held)
}

// hold switches the output on for a test; wasOn says the pipeline had it
// on already.
func (o *heldOutput) hold() (wasOn bool, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.held = true
	return o.want, o.out.Set(true)
}

// release ends a test: the output goes back to what the pipeline asked.
func (o *heldOutput) release() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.held = false
	return o.out.Set(o.want)
}

// on reports whether the output is driven on.
func (o *heldOutput) on() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.want || o.held
}

// heldOutput returns the opened output with this id.
func (d *Daemon) heldOutput(id string) (*heldOutput, error) {
	d.mu.Lock()
	o := d.held[id]
	d.mu.Unlock()
	if o == nil {
		return nil, fmt.Errorf("output %q is not open", id)
	}
	return o, nil
}

// Outputs lists every configured output, in config order, for the local
// API: whether it opened and whether it is on.
func (b *apiBackend) Outputs() []api.OutputStatus {
	var out []api.OutputStatus
	for _, s := range b.d.Outputs() {
		st := api.OutputStatus{ID: s.ID, Kind: s.Kind, OK: s.OK, Error: s.Error}
		if o, err := b.d.heldOutput(s.ID); err == nil {
			st.On = o.on()
		}
		out = append(out, st)
	}
	return out
}

func (b *apiBackend) HoldOutput(id string) (bool, error) {
	o, err := b.d.heldOutput(id)
	if err != nil {
		return false, err
	}
	wasOn, err := o.hold()
	if err != nil {
		return wasOn, fmt.Errorf("switch %s on: %w", id, err)
	}
	return wasOn, nil
}

func (b *apiBackend) ReleaseOutput(id string) error {
	o, err := b.d.heldOutput(id)
	if err != nil {
		return err
	}
	if err := o.release(); err != nil {
		return fmt.Errorf("switch %s back: %w", id, err)
	}
	return nil
}
