package rfbridge

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/safehub-iot/safehub/drivers/internal/serialio"
	"github.com/safehub-iot/safehub/gateway"
)

// Errors from the bridge.
var (
	ErrNoBridge     = errors.New("no RF bridge open on that port")
	ErrLearnTimeout = errors.New("no unknown code heard before the learn timeout")
)

// message is what the hub hands a sensor: a code, or a port failure or
// recovery.
type message struct {
	code    Code
	at      time.Time
	portErr error // set: port failed
	portOK  bool  // set: port reopened
}

// hub owns one bridge port, shared by the sensors on it.
type hub struct {
	path  string
	baud  int
	hw    gateway.Hardware
	clock gateway.Clock
	log   *slog.Logger

	cancel context.CancelFunc
	refs   int // guarded by hubsMu

	mu       sync.Mutex
	subs     map[uint32]chan message // address -> sensor inbox
	learners []chan Code
	stats    Stats
	unknown  uint64
}

var (
	hubsMu sync.Mutex
	hubs   = map[string]*hub{}
)

// acquire returns the running hub for path, opening the port if needed.
func acquire(env gateway.Env, path string, baud int) (*hub, error) {
	hubsMu.Lock()
	defer hubsMu.Unlock()
	if h, ok := hubs[path]; ok {
		if h.baud != baud {
			return nil, &gateway.FieldError{Field: "baud", Msg: fmt.Sprintf("%d differs from %d used by other devices on %s", baud, h.baud, path)}
		}
		h.refs++
		return h, nil
	}
	if env.HW == nil || env.Clock == nil {
		return nil, errors.New("rfbridge: env needs HW and Clock")
	}
	port, err := env.HW.Serial(path, baud)
	if err != nil {
		return nil, fmt.Errorf("rf bridge: open %s: %w", path, err)
	}
	log := env.Log
	if log == nil {
		log = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &hub{path: path, baud: baud, hw: env.HW, clock: env.Clock, cancel: cancel, refs: 1,
		log: log.With("driver", "rf433", "port", path), subs: map[uint32]chan message{}}
	hubs[path] = h
	go h.run(ctx, port)
	return h, nil
}

// release drops one reference; the last one stops the hub.
func (h *hub) release() {
	hubsMu.Lock()
	defer hubsMu.Unlock()
	if h.refs--; h.refs == 0 {
		delete(hubs, h.path)
		h.cancel()
	}
}

func (h *hub) subscribe(addr uint32) (chan message, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, dup := h.subs[addr]; dup {
		return nil, &gateway.FieldError{Field: "address", Msg: fmt.Sprintf("%05X is already used by another device on %s", addr, h.path)}
	}
	c := make(chan message, 64)
	h.subs[addr] = c
	return c, nil
}

func (h *hub) unsubscribe(addr uint32) {
	h.mu.Lock()
	delete(h.subs, addr)
	h.mu.Unlock()
}

// run reads the bridge until ctx is done, reopening the port on failure.
func (h *hub) run(ctx context.Context, port io.ReadWriteCloser) {
	var scan Scanner
	for {
		data, errc := serialio.Pump(ctx, port)
		err := h.read(ctx, port, &scan, data, errc)
		if err == nil {
			go port.Close() // tarm/serial's Close waits for a pending Read
			return
		}
		port.Close()
		h.log.Warn("rf bridge port failed", "err", err)
		h.broadcast(ctx, message{portErr: err})
		if port = h.reopen(ctx); port == nil {
			return
		}
		scan = Scanner{stats: scan.stats}
		h.broadcast(ctx, message{portOK: true})
	}
}

func (h *hub) read(ctx context.Context, port io.Writer, scan *Scanner, data <-chan []byte, errc <-chan error) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			return err // an *os.PathError: it names the port
		case b := <-data:
			now := h.clock.Now()
			scan.Feed(b, func(f Frame) {
				if f.Command != CmdReceived && f.Command != CmdLearned {
					return
				}
				if _, err := port.Write(Ack); err != nil {
					h.log.Warn("rf bridge ack", "err", err)
				}
				h.dispatch(ctx, f.Code, now)
			})
			h.mu.Lock()
			h.stats = scan.Stats()
			h.mu.Unlock()
		}
	}
}

// dispatch hands a code to its device, or to a learner, or counts it as
// unknown. A full inbox blocks the hub rather than drop an alarm.
func (h *hub) dispatch(ctx context.Context, c Code, at time.Time) {
	h.mu.Lock()
	inbox, known := h.subs[c.Address()]
	var learner chan Code
	if !known && len(h.learners) > 0 {
		learner, h.learners = h.learners[0], h.learners[1:]
	}
	if !known && learner == nil {
		h.unknown++
	}
	h.mu.Unlock()
	switch {
	case known:
		select {
		case inbox <- message{code: c, at: at}:
		case <-ctx.Done():
		}
	case learner != nil:
		learner <- c // buffered, one send per learner
	default:
		h.log.Info("unknown 433 MHz code ignored", "code", c.String(), "address", fmt.Sprintf("%05X", c.Address()))
	}
}

func (h *hub) broadcast(ctx context.Context, m message) {
	h.mu.Lock()
	inboxes := make([]chan message, 0, len(h.subs))
	for _, c := range h.subs {
		inboxes = append(inboxes, c)
	}
	h.mu.Unlock()
	for _, c := range inboxes {
		select {
		case c <- m:
		case <-ctx.Done():
			return
		}
	}
}

// reopen tries the port with serialio's backoff (1s to 30s); nil once ctx
// is done.
func (h *hub) reopen(ctx context.Context) io.ReadWriteCloser {
	return serialio.Reopener{
		Open:   func() (io.ReadWriteCloser, error) { return h.hw.Serial(h.path, h.baud) },
		Clock:  h.clock,
		Failed: func(err error) { h.log.Warn("rf bridge reopen", "err", err) },
	}.Reopen(ctx)
}

// Bridge holds a bridge port open without a paired device on it, so that
// Learn can listen on a fresh installation.
type Bridge struct {
	h    *hub
	once sync.Once
}

// OpenBridge opens (or shares) the bridge on port.
func OpenBridge(env gateway.Env, port string, baud int) (*Bridge, error) {
	h, err := acquire(env, port, baud)
	if err != nil {
		return nil, err
	}
	return &Bridge{h: h}, nil
}

// Close releases the bridge; the port closes with its last user.
func (b *Bridge) Close() error {
	b.once.Do(b.h.release)
	return nil
}

// BridgeStats are a bridge's counters.
type BridgeStats struct {
	Stats
	// Unknown counts code frames from no paired device (repeats included).
	Unknown uint64
}

// Stats returns the bridge's counters so far.
func (b *Bridge) Stats() BridgeStats {
	b.h.mu.Lock()
	defer b.h.mu.Unlock()
	return BridgeStats{Stats: b.h.stats, Unknown: b.h.unknown}
}

// Learn returns the next code heard on port from no paired device, within
// timeout (by the bridge's clock). The bridge must be open: a sensor on it
// is running, or OpenBridge holds it. The caller binds the code's Address
// to a named sensor in config.
func Learn(ctx context.Context, port string, timeout time.Duration) (Code, error) {
	hubsMu.Lock()
	h := hubs[port]
	hubsMu.Unlock()
	if h == nil {
		return 0, fmt.Errorf("learn on %s: %w", port, ErrNoBridge)
	}
	c := make(chan Code, 1)
	h.mu.Lock()
	h.learners = append(h.learners, c)
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		for i, l := range h.learners {
			if l == c {
				h.learners = append(h.learners[:i], h.learners[i+1:]...)
				break
			}
		}
		h.mu.Unlock()
	}()
	timer := h.clock.NewTimer(timeout)
	defer timer.Stop()
	select {
	case code := <-c:
		return code, nil
	case <-timer.Chan():
		select {
		case code := <-c: // heard just as time ran out
			return code, nil
		default:
		}
		return 0, fmt.Errorf("learn on %s for %v: %w", port, timeout, ErrLearnTimeout)
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}
