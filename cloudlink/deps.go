package cloudlink

import (
	"context"
	"log/slog"
	"time"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
)

// Outbox is the durable queue of events to send; the box's events table
// (gateway/store) is it. Its methods must be safe for concurrent use.
type Outbox interface {
	// Pending returns up to limit unsent events: alarms first, each
	// priority in sequence order.
	Pending(ctx context.Context, limit int) ([]event.Event, error)
	// MarkPublished records the broker's PUBACK for these events.
	MarkPublished(ctx context.Context, at time.Time, seqs ...int64) error
	// OutboxDepth counts unsent events and gives the oldest one's time.
	OutboxDepth(ctx context.Context) (n int, oldest time.Time, err error)
	// EvictTelemetry drops the oldest non-alarm events beyond max.
	EvictTelemetry(ctx context.Context, max int) (int64, error)
	// Committed is the highest sequence number committed, without I/O:
	// when it is no higher than what the link has seen, the outbox holds
	// nothing new and the poll skips its queries.
	Committed() int64
}

// AlarmLog tracks raised alarms until the center acknowledges them.
type AlarmLog interface {
	// AlarmStatus says whether the alarm is known and when it was acked.
	AlarmStatus(ctx context.Context, alarmID string) (found bool, acked time.Time, err error)
	// MarkAcked records the center's acknowledgement.
	MarkAcked(ctx context.Context, alarmID string, at time.Time) (bool, error)
	// ResendDue returns unacknowledged alarms last sent at or before before.
	ResendDue(ctx context.Context, before time.Time, limit int) ([]event.Event, error)
	// MarkResent records that published events were sent again.
	MarkResent(ctx context.Context, at time.Time, seqs ...int64) error
	// CountUnacked counts raised alarms not acknowledged.
	CountUnacked(ctx context.Context) (int, error)
}

// EventLog is the box's event history: replays read it, and the link
// commits its own overflow notices into it.
type EventLog interface {
	Events(ctx context.Context, afterSeq int64, limit int) ([]event.Event, error)
	LastSeq(ctx context.Context) (int64, error)
	Append(ctx context.Context, evs ...*event.Event) error
}

// StateStore keeps small blobs across restarts (the replies to recent
// commands, so a repeated command id is answered without acting twice).
type StateStore interface {
	GetState(ctx context.Context, key string) ([]byte, error)
	PutState(ctx context.Context, key string, value []byte, at time.Time) error
}

// CommandLog remembers the ids of the commands seen inside their time
// window, so a replayed id is never acted on twice, across restarts.
type CommandLog interface {
	// CommandSeen says whether id was recorded and has not expired at now,
	// with the reply kept for it (nil if none).
	CommandSeen(ctx context.Context, id string, now time.Time) (reply []byte, seen bool, err error)
	// RecordCommand keeps id, with its reply or nil, until expires.
	RecordCommand(ctx context.Context, id string, reply []byte, expires, now time.Time) error
}

// Store is everything the link needs of the box database; *store.Store
// implements it.
type Store interface {
	Outbox
	AlarmLog
	EventLog
	StateStore
	CommandLog
}

// Acker is told when the center acknowledges an alarm: the pipeline stops
// escalating it and lights "help is coming" (gateway.Pipeline has it).
type Acker interface {
	Acknowledge(ctx context.Context, alarmID string) error
}

// HealthSource reports each sensor's condition (gateway.Pipeline has it).
type HealthSource interface {
	Health() []gateway.SensorHealth
}

// Executor carries out the downlink commands that act on the box's
// hardware and rules; the daemon implements it. Each method returns when
// the action is done or failed, and must honour ctx.
type Executor interface {
	// SilenceSiren turns the siren off.
	SilenceSiren(ctx context.Context) error
	// SelfTest exercises outputs and sensors and returns a report that is
	// sent to the center as JSON.
	SelfTest(ctx context.Context) (any, error)
	// ReplaceRules validates a new rules file and, if valid, saves and
	// applies it. An error means the old rules stay; its text is sent to
	// the center as the reason.
	ReplaceRules(ctx context.Context, rules []byte) error
	// Reset clears latched alarms.
	Reset(ctx context.Context) error
}

// Deps are the box's parts the link uses.
type Deps struct {
	Store Store
	// Wake delivers committed events (gateway.Pipeline.Subscribe): the link
	// uses it only as a signal to look at the outbox. Optional.
	Wake <-chan event.Event
	// Acker, Health and Exec are optional; commands needing a missing one
	// are answered with code "failed".
	Acker  Acker
	Health HealthSource
	Exec   Executor
	// OnDelivered is called (from the link's goroutine; it must not block)
	// when the broker has accepted an alarm event for the first time: the
	// box lights led_alarm_sent.
	OnDelivered func(ev event.Event)
	Clock       gateway.Clock
	Log         *slog.Logger
}
