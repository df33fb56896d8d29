package api

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/user"
	"strconv"
	"sync"
	"time"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
)

// StatusSource reports the box's condition.
type StatusSource interface {
	Status(ctx context.Context) (Status, error)
}

// EventSource is the event log and the live feed of committed events
// (gateway.Pipeline.Subscribe's contract: a slow subscriber misses events).
type EventSource interface {
	Subscribe(buf int) (<-chan event.Event, func())
	Events(ctx context.Context, afterSeq int64, limit int) ([]event.Event, error)
	EventsSince(ctx context.Context, t time.Time, limit int) ([]event.Event, error)
}

// TestAlarmer raises commissioning test alarms and follows them.
type TestAlarmer interface {
	// RaiseTestAlarm commits a test alarm and returns its event.
	RaiseTestAlarm(ctx context.Context) (event.Event, error)
	// AlarmProgress says when the broker accepted the alarm and when the
	// center acknowledged it; zero times for what has not happened yet.
	AlarmProgress(ctx context.Context, alarmID string) (delivered, acked time.Time, err error)
}

// WalkTester is what a walk test needs of the pipeline.
type WalkTester interface {
	// SetTestMode marks every event committed from now on as a test, or
	// with false ends that.
	SetTestMode(on bool)
	Health() []gateway.SensorHealth
}

// Pairer learns a wireless device and adds it to config.
type Pairer interface {
	Pair(ctx context.Context, req PairRequest) (PairResult, error)
}

// OutputTester lists the box's outputs (siren, LEDs) and switches them for
// the technician's output test. A test holds an output on over whatever the
// rules ask; releasing it puts it back to what the rules last asked, so an
// output that was on stays on.
type OutputTester interface {
	// Outputs lists every configured output in config order, opened or not.
	Outputs() []OutputStatus
	// HoldOutput switches an opened output on until ReleaseOutput; wasOn
	// says it was on already.
	HoldOutput(id string) (wasOn bool, err error)
	// ReleaseOutput ends HoldOutput. It does not block on the event loop,
	// so it also works while the daemon stops.
	ReleaseOutput(id string) error
}

// Reloader checks and applies the files on disk. Errors that are mistakes
// in a file wrap ErrInvalid.
type Reloader interface {
	ValidateConfig(ctx context.Context) (file string, err error)
	// ValidateRules checks rules file content (nil: the configured file)
	// against the sensors of the config in force.
	ValidateRules(ctx context.Context, content []byte) (file string, err error)
	// Reload applies the config file on disk; note, when not empty, is
	// what the technician should know (a change that needs a restart).
	Reload(ctx context.Context) (note string, err error)
}

var (
	// ErrInvalid marks mistakes in a config or rules file (422).
	ErrInvalid = errors.New("invalid")
	// ErrNotAvailable marks a feature this box cannot offer (501).
	ErrNotAvailable = errors.New("not available")
	// ErrBusy marks a request that conflicts with one running (409).
	ErrBusy = errors.New("busy")
	// ErrBadRequest marks a request that cannot be served as asked (400).
	ErrBadRequest = errors.New("bad request")
)

// Resetter resets the latched alarms (smoke), as the center's reset
// command does: they are cleared and the siren stops; smoke still present
// raises a new alarm at once. It returns once that is committed.
type Resetter interface {
	Reset(ctx context.Context) error
}

// Backend is everything the API serves. Pair, Outputs and Reset may be nil
// (501).
type Backend struct {
	Status  StatusSource
	Events  EventSource
	Alarms  TestAlarmer
	Walk    WalkTester
	Pair    Pairer
	Reload  Reloader
	Outputs OutputTester
	Reset   Resetter
}

// Config configures a Server.
type Config struct {
	// Socket is the unix socket path; a stale file there is removed.
	Socket string
	// Group, when it exists, owns the socket; the mode is 0660 either way.
	Group   string
	Backend Backend
	Clock   gateway.Clock
	Log     *slog.Logger
	// Poll is how often a test alarm's progress is checked (default
	// 100 ms).
	Poll time.Duration
}

// Server is the local API.
type Server struct {
	cfg     Config
	walking sync.Mutex // one walk test at a time
	testing sync.Mutex // one output test at a time
}

// New checks cfg and builds a server; Serve runs it.
func New(cfg Config) (*Server, error) {
	if cfg.Socket == "" {
		return nil, errors.New("api: no socket path")
	}
	b := cfg.Backend
	if b.Status == nil || b.Events == nil || b.Alarms == nil || b.Walk == nil || b.Reload == nil {
		return nil, errors.New("api: backend incomplete")
	}
	if cfg.Clock == nil {
		return nil, errors.New("api: no clock")
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 100 * time.Millisecond
	}
	return &Server{cfg: cfg}, nil
}

// Serve listens on the socket and serves until ctx is done, then closes
// every stream (ending a walk test's test mode) and removes the socket.
func (s *Server) Serve(ctx context.Context) error {
	ln, err := Listen(s.cfg.Socket, s.cfg.Group, s.cfg.Log)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.cfg.Log.Info("local api listening", "socket", s.cfg.Socket)
	select {
	case <-ctx.Done():
	case err := <-errc:
		return fmt.Errorf("api: %w", err)
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil {
		srv.Close()
	}
	os.Remove(s.cfg.Socket)
	return nil
}

// Listen opens the unix socket at path: a stale socket file is removed
// (anything else there is refused), the mode is 0660 and, when group
// exists, the group owns it. A missing group is logged, not an error.
func Listen(path, group string, log *slog.Logger) (net.Listener, error) {
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode().Type() != fs.ModeSocket {
			return nil, fmt.Errorf("api: %s exists and is not a socket; not removing it", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("api: remove stale socket: %w", err)
		}
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	if err := os.Chmod(path, 0o660); err != nil {
		ln.Close()
		return nil, fmt.Errorf("api: %w", err)
	}
	if group == "" {
		return ln, nil
	}
	g, err := user.LookupGroup(group)
	if err != nil {
		log.Warn("api socket group not found; socket left with the daemon's group", "group", group, "socket", path)
		return ln, nil
	}
	gid, _ := strconv.Atoi(g.Gid)
	if err := os.Chown(path, -1, gid); err != nil {
		log.Warn("api socket chgrp failed", "group", group, "err", err)
	}
	return ln, nil
}
