package mr60fda1

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/jonboulle/clockwork"

	"github.com/safehub-iot/safehub/drivers/internal/serialio"
	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
)

// Counters are the driver's totals, for diagnostics and tests.
type Counters struct {
	Stats
	// Invalid counts well-formed frames with a value the protocol does not
	// allow (a fall state of 7). They are dropped and the state asked again.
	Invalid uint64
	// Queries counts fall-state queries sent.
	Queries uint64
}

// Radar is an opened radar. Run it once.
type Radar struct {
	id    string
	opts  Options
	hw    gateway.Hardware
	clock gateway.Clock
	log   *slog.Logger

	port io.ReadWriteCloser
	scan Scanner

	mu       sync.Mutex
	counters Counters

	// State, owned by Run.
	fall, presence int8 // -1 unknown, else 0 or 1
	health         event.Health
	out            gateway.Emitter
}

// Open opens the radar's port. The radar is validated, not yet queried:
// Run asks for the fall state.
func Open(env gateway.Env, id string, o Options) (*Radar, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	log := env.Log
	if log == nil {
		log = slog.Default()
	}
	port, err := env.HW.Serial(o.Port, o.Baud)
	if err != nil {
		return nil, fmt.Errorf("mr60fda1 %s: open %s: %w", id, o.Port, err)
	}
	return &Radar{
		id: id, opts: o, hw: env.HW, clock: env.Clock, port: port,
		log:  log.With("sensor", id, "driver", "mr60fda1"),
		fall: -1, presence: -1, health: event.HealthUnknown,
	}, nil
}

// Counters returns the totals so far; safe to call while Run runs.
func (r *Radar) Counters() Counters {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counters
}

// Run reads the radar until ctx is done, then closes the port (in the
// background: see pump). A read error is a fault; the port is reopened
// with capped backoff.
func (r *Radar) Run(ctx context.Context, out gateway.Emitter) error {
	r.out = out
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	silence := r.clock.NewTimer(r.opts.HeartbeatLimit)
	defer silence.Stop()
	for {
		data, errc := serialio.Pump(ctx, r.port)
		r.queryFall()
		err := r.read(ctx, data, errc, silence)
		if err == nil {
			// tarm/serial's Close waits for a pending Read, and a
			// blocking serial read returns only when a byte comes or the
			// line hangs up; Run must not wait for that.
			go r.port.Close()
			return nil
		}
		r.port.Close()
		r.setHealth(event.HealthFault, "radar port: "+err.Error())
		if r.port = r.reopen(ctx); r.port == nil {
			return nil
		}
		r.scan = Scanner{} // a fresh line: no half frame carries over
	}
}

// read handles bytes until ctx is done (nil) or the port fails.
func (r *Radar) read(ctx context.Context, data <-chan []byte, errc <-chan error, silence clockwork.Timer) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			return err // an *os.PathError: it names the port
		case <-silence.Chan():
			r.setHealth(event.HealthFault, fmt.Sprintf("radar silent for %v on %s", r.opts.HeartbeatLimit, r.opts.Port))
			r.queryFall() // a radar that restarted answers this
			silence.Reset(r.opts.HeartbeatLimit)
		case b := <-data:
			before := r.scan.Stats()
			good := false
			r.scan.Feed(b, func(f Frame) { good = r.handle(f) || good })
			after := r.scan.Stats()
			r.mu.Lock()
			r.counters.Stats = after
			r.mu.Unlock()
			if after.Errors() > before.Errors() {
				r.log.Debug("radar frames dropped, asking fall state again", "stats", after)
				r.queryFall()
			}
			if good {
				if !silence.Stop() {
					select { // drain a fire we have not handled yet
					case <-silence.Chan():
					default:
					}
				}
				silence.Reset(r.opts.HeartbeatLimit)
				r.setHealth(event.HealthOK, "")
			}
		}
	}
}

// handle reports one frame and says whether it was valid.
func (r *Radar) handle(f Frame) bool {
	now := r.clock.Now()
	cmd := f.Command &^ QueryBit // an answer to a query carries the query's command
	switch {
	case f.Control == CtrlHeartbeat && f.Command == 0x01:
		r.out.Reading(gateway.Reading{Sensor: r.id, Quantity: gateway.QHeartbeat, Time: now})
	case f.Control == CtrlFall && cmd == CmdFall:
		v, ok := flag(f.Data)
		if !ok {
			return r.invalid(f)
		}
		if v != r.fall {
			r.fall = v
			r.out.Reading(gateway.Reading{Sensor: r.id, Quantity: gateway.QFall, Value: float64(v), Time: now})
		}
	case f.Control == CtrlPresence && (cmd == CmdPresence || cmd == CmdMotion):
		if len(f.Data) != 1 || f.Data[0] > 2 || (cmd == CmdPresence && f.Data[0] > 1) {
			return r.invalid(f)
		}
		v := int8(min(f.Data[0], 1)) // motion: stationary or moving means someone there
		if v != r.presence {
			r.presence = v
			r.out.Reading(gateway.Reading{Sensor: r.id, Quantity: gateway.QPresence, Value: float64(v), Time: now})
		}
	case f.Control == CtrlPresence && cmd == CmdMovement:
		if len(f.Data) != 1 {
			return r.invalid(f)
		}
		r.out.Reading(gateway.Reading{Sensor: r.id, Quantity: gateway.QMovement, Value: float64(f.Data[0]), Time: now})
	default:
		r.log.Debug("radar frame ignored", "frame", f.String())
	}
	return true
}

func flag(d []byte) (int8, bool) {
	if len(d) != 1 || d[0] > 1 {
		return 0, false
	}
	return int8(d[0]), true
}

func (r *Radar) invalid(f Frame) bool {
	r.mu.Lock()
	r.counters.Invalid++
	r.mu.Unlock()
	r.log.Warn("radar frame with invalid value dropped", "frame", f.String())
	r.queryFall()
	return false
}

// queryFall asks for the fall state. A failed write shows up as a read
// error or as silence, so it is only logged here.
func (r *Radar) queryFall() {
	r.mu.Lock()
	r.counters.Queries++
	r.mu.Unlock()
	if _, err := r.port.Write(QueryFrame(CtrlFall, CmdFall)); err != nil {
		r.log.Warn("radar fall query", "err", err)
	}
}

func (r *Radar) setHealth(h event.Health, reason string) {
	if h == r.health {
		return
	}
	r.health = h
	if h == event.HealthFault {
		r.log.Warn("radar fault", "reason", reason)
	}
	r.out.Status(gateway.Status{Sensor: r.id, Health: h, Reason: reason, Time: r.clock.Now()})
}

// reopen tries the port again with serialio's backoff (1s to 30s) until
// it opens (the port) or ctx is done (nil).
func (r *Radar) reopen(ctx context.Context) io.ReadWriteCloser {
	p := serialio.Reopener{
		Open:   func() (io.ReadWriteCloser, error) { return r.hw.Serial(r.opts.Port, r.opts.Baud) },
		Clock:  r.clock,
		Failed: func(err error) { r.log.Warn("radar port reopen", "err", err) },
	}.Reopen(ctx)
	if p != nil {
		r.log.Info("radar port reopened", "port", r.opts.Port)
	}
	return p
}
