package api

import (
	"time"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
)

// Link states in LinkStatus.State.
const (
	LinkConnected     = "connected"
	LinkDisconnected  = "disconnected"
	LinkNotConfigured = "not configured" // no broker in config: local only
)

// Status is the box's condition for `safehubctl status`.
type Status struct {
	Site     string     `json:"site"`
	Version  string     `json:"version"`
	Started  time.Time  `json:"started"`
	UptimeS  float64    `json:"uptime_s"`
	TestMode bool       `json:"test_mode"`
	Link     LinkStatus `json:"link"`
	// Sensors are sorted by id.
	Sensors []gateway.SensorHealth `json:"sensors"`
}

// LinkStatus is the cloud link's condition.
type LinkStatus struct {
	State   string   `json:"state"`
	Brokers []string `json:"brokers,omitempty"`
	// Broker is the one connected to (or last tried).
	Broker        string    `json:"broker,omitempty"`
	Since         time.Time `json:"since,omitzero"`
	LastHeartbeat time.Time `json:"last_heartbeat,omitzero"`
	OutboxDepth   int       `json:"outbox_depth"`
	// OldestUnsent is the time of the oldest event waiting for the broker.
	OldestUnsent time.Time `json:"oldest_unsent,omitzero"`
}

// Alarm test stages in AlarmProgress.Stage.
const (
	StageRaised       = "raised"       // committed on the box
	StageDelivered    = "delivered"    // the broker's PUBACK
	StageAcknowledged = "acknowledged" // the center's ack reached the box
	StageTimeout      = "timeout"      // --timeout passed first
)

// AlarmProgress is one step of a test alarm's round trip.
type AlarmProgress struct {
	Stage   string    `json:"stage"`
	AlarmID string    `json:"alarm_id"`
	Time    time.Time `json:"time"`
	// AfterMS is the time since the alarm was raised, in milliseconds.
	AfterMS int64 `json:"after_ms"`
}

// Walk test message types in WalkMessage.Type.
const (
	WalkStart  = "start"  // Sensors lists what is to be triggered
	WalkEvent  = "event"  // an event committed during the test
	WalkPassed = "passed" // Sensor was triggered at Time
	WalkDone   = "done"   // the end: Passed and Missing
)

// WalkMessage is one line of a walk test stream.
type WalkMessage struct {
	Type    string       `json:"type"`
	Time    time.Time    `json:"time"`
	Sensors []string     `json:"sensors,omitempty"`
	Sensor  string       `json:"sensor,omitempty"`
	How     string       `json:"how,omitempty"`
	Event   *event.Event `json:"event,omitempty"`
	Passed  []WalkResult `json:"passed,omitempty"`
	Missing []string     `json:"missing,omitempty"`
	// Reason says why a test ended early ("timeout", "all sensors passed").
	Reason string `json:"reason,omitempty"`
}

// WalkResult is one sensor that passed.
type WalkResult struct {
	Sensor string    `json:"sensor"`
	Kind   string    `json:"kind,omitempty"`
	Room   string    `json:"room,omitempty"`
	Time   time.Time `json:"time"`
	How    string    `json:"how"`
}

// PairRequest asks the box to learn a wireless device.
type PairRequest struct {
	// Name becomes the sensor id in config.
	Name string `json:"name"`
	// Kind is pendant, door or smoke.
	Kind string `json:"kind"`
	Room string `json:"room,omitempty"`
	// Port is the bridge's serial port; empty: the one other wireless
	// sensors use.
	Port    string        `json:"port,omitempty"`
	Timeout time.Duration `json:"timeout"`
}

// PairResult is a learned device, saved to config.
type PairResult struct {
	Sensor  string `json:"sensor"`
	Code    string `json:"code"`
	Address uint32 `json:"address"`
	Port    string `json:"port"`
	// Reload says how applying the new config went ("" when it went well).
	Reload string `json:"reload,omitempty"`
}

// Validation is the answer to a validate or reload request.
type Validation struct {
	OK   bool   `json:"ok"`
	File string `json:"file,omitempty"`
	// Message is a one-line summary for a person.
	Message string `json:"message"`
}

// Error codes in ErrorBody.Code.
const (
	CodeBadRequest   = "bad_request"
	CodeBusy         = "busy"
	CodeInvalid      = "invalid"
	CodeFailed       = "failed"
	CodeNotAvailable = "not_available"
)

// ErrorBody is the JSON of every error answer.
type ErrorBody struct {
	Code  string `json:"code"`
	Error string `json:"error"`
}

// OutputStatus is one configured output (siren, LED) for `safehubctl
// outputs list`.
type OutputStatus struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	// OK says the output was opened at start; Error says why not.
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
	// On says the box drives it on now (the rules, an acknowledgement's
	// help LED, or a test).
	On bool `json:"on"`
}

// Output test bounds: how long each output is switched on.
const (
	OutputTestDefault = 2 * time.Second
	OutputTestMin     = 200 * time.Millisecond
	OutputTestMax     = 10 * time.Second
)

// Output test stages in OutputTestStep.Stage.
const (
	OutputTestStart  = "start"  // Outputs lists what is switched, in order, ForMS each
	OutputTestOn     = "on"     // Output is on now, for ForMS
	OutputTestOff    = "off"    // Output is back as it was: off, or still on when WasOn
	OutputTestFailed = "failed" // Output could not be switched; Error says why
	OutputTestDone   = "done"   // the end: Results, one per output
)

// OutputTestStep is one line of an output test stream.
type OutputTestStep struct {
	Stage string    `json:"stage"`
	Time  time.Time `json:"time"`
	// Output and Kind name the output of an on, off or failed step.
	Output string `json:"output,omitempty"`
	Kind   string `json:"kind,omitempty"`
	// WasOn says the output was on before the test (the help LED after an
	// acknowledgement, the siren in an alarm): it stays on throughout.
	WasOn bool   `json:"was_on,omitempty"`
	Error string `json:"error,omitempty"`
	// ForMS is how long each output is on, in milliseconds.
	ForMS   int64          `json:"for_ms,omitempty"`
	Outputs []OutputStatus `json:"outputs,omitempty"`
	Results []OutputResult `json:"results,omitempty"`
}

// OutputResult is how one output's test went.
type OutputResult struct {
	Output string `json:"output"`
	Kind   string `json:"kind"`
	// OK says the box switched it on and back. Whether it sounded or lit
	// is for the technician to see and hear.
	OK    bool   `json:"ok"`
	WasOn bool   `json:"was_on,omitempty"`
	Error string `json:"error,omitempty"`
}

// ResetResult answers POST /v1/reset: the latched alarms were reset.
type ResetResult struct {
	Reset bool `json:"reset"`
}
