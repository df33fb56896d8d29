package protocol

import (
	"encoding/json"
	"time"

	"github.com/safehub-iot/safehub/event"
)

// EventMsg is an event as it travels on the alarm and event channels: the
// box's committed event.Event plus the site, the schema version and the
// send time. The center identifies it by ID (shows it once however often it
// arrives) and finds gaps by Seq.
type EventMsg struct {
	V           int                `json:"v"`
	Site        string             `json:"site"`
	ID          string             `json:"id"`
	Seq         int64              `json:"seq"`
	Kind        event.Kind         `json:"kind"`
	Severity    event.Severity     `json:"severity"`
	Sensor      string             `json:"sensor,omitempty"`
	SensorKind  string             `json:"sensor_kind,omitempty"`
	Room        string             `json:"room,omitempty"`
	Rule        string             `json:"rule,omitempty"`
	AlarmID     string             `json:"alarm_id,omitempty"`
	Message     string             `json:"message,omitempty"`
	Values      map[string]float64 `json:"values,omitempty"`
	Time        time.Time          `json:"time"`
	Sent        time.Time          `json:"sent"`
	Test        bool               `json:"test"`
	ClockUnsure bool               `json:"clock_unsure"`
	// Resent is set when the box sends the event again: an alarm not yet
	// acknowledged by the center, or an answer to a replay command.
	Resent bool `json:"resent,omitempty"`
}

// NewEventMsg wraps a committed event for sending at time sent.
func NewEventMsg(site string, ev event.Event, sent time.Time) EventMsg {
	return EventMsg{
		V: Version, Site: site, ID: ev.ID, Seq: ev.Seq, Kind: ev.Kind, Severity: ev.Severity,
		Sensor: ev.Sensor, SensorKind: ev.SensorKind, Room: ev.Room, Rule: ev.Rule,
		AlarmID: ev.AlarmID, Message: ev.Message, Values: ev.Values,
		Time: ev.Time.UTC(), Sent: sent.UTC(), Test: ev.Test, ClockUnsure: ev.ClockUnsure,
	}
}

// Event returns the gateway event the message carries.
func (m *EventMsg) Event() event.Event {
	return event.Event{
		ID: m.ID, Seq: m.Seq, Time: m.Time, Kind: m.Kind, Severity: m.Severity,
		Sensor: m.Sensor, SensorKind: m.SensorKind, Room: m.Room, Rule: m.Rule,
		AlarmID: m.AlarmID, Message: m.Message, Values: m.Values,
		Test: m.Test, ClockUnsure: m.ClockUnsure,
	}
}

// ChannelOf is the channel an event goes out on: Alarm for the alarm
// lifecycle kinds, Event for the rest.
func ChannelOf(k event.Kind) Channel {
	if k.IsAlarm() {
		return Alarm
	}
	return Event
}

// SensorHealth is one sensor's condition in a heartbeat or status reply.
type SensorHealth struct {
	ID       string       `json:"id"`
	Kind     string       `json:"kind"`
	Room     string       `json:"room,omitempty"`
	Health   event.Health `json:"health"`
	Reason   string       `json:"reason,omitempty"`
	LastSeen time.Time    `json:"last_seen,omitzero"`
}

// HeartbeatMsg is the box's periodic report of its own health.
type HeartbeatMsg struct {
	V       int       `json:"v"`
	Site    string    `json:"site"`
	Time    time.Time `json:"time"`
	Version string    `json:"version"`
	// UptimeS is seconds since the daemon started.
	UptimeS int64 `json:"uptime_s"`
	// IntervalS is the heartbeat interval: the center may call the box
	// late after about two intervals without one.
	IntervalS int `json:"interval_s"`
	// LastSeq is the highest sequence number the box has committed.
	LastSeq int64 `json:"last_seq"`
	// OutboxDepth counts events committed but not yet accepted by the
	// broker; OldestUnsentS is the age of the oldest of them (0 if none).
	OutboxDepth   int   `json:"outbox_depth"`
	OldestUnsentS int64 `json:"oldest_unsent_s"`
	// UnackedAlarms counts raised alarms the center has not acknowledged.
	UnackedAlarms int            `json:"unacked_alarms"`
	Sensors       []SensorHealth `json:"sensors"`
}

// The values of StatusMsg.State.
const (
	Online  = "online"
	Offline = "offline"
)

// StatusMsg is the retained presence of a box. "online" is published on
// every connect; "offline" is the last will (the broker publishes it when
// the box vanishes) and is also published on a clean shutdown.
type StatusMsg struct {
	V     int    `json:"v"`
	Site  string `json:"site"`
	State string `json:"state"`
	// Time is when the message was made; for the last will that is the
	// time of the connection that registered it.
	Time    time.Time `json:"time"`
	Version string    `json:"version,omitempty"`
	// Reason says why a box is offline: "shutdown" or "connection_lost".
	Reason string `json:"reason,omitempty"`
}

// CenterStatusMsg is the retained presence of the center on
// CenterStatusTopic. The center publishes "online" with a new Epoch on every
// (re)connect, once its subscriptions are in place; "offline" is its last
// will and its clean shutdown. A box that sees "online" with an Epoch other
// than the last one it acted on sends again, at once, every alarm the center
// has not acknowledged: whatever it published while the center was away may
// have reached nobody (a shared subscription with no member connected keeps
// no queue).
type CenterStatusMsg struct {
	V     int    `json:"v"`
	State string `json:"state"`
	// Epoch names one connection of the center (its connect time and a
	// random part); required with "online". Boxes compare it only for
	// equality.
	Epoch string `json:"epoch,omitempty"`
	// Time is when the message was made; for the last will, when the
	// center started.
	Time time.Time `json:"time"`
	// ClientID is the console instance's MQTT client id, for diagnosis:
	// with several consoles the retained message is the last one's news.
	ClientID string `json:"client_id,omitempty"`
	// Reason says why the center is offline: "shutdown" or
	// "connection_lost".
	Reason string `json:"reason,omitempty"`
}

// CmdName is a command's verb.
type CmdName string

// The commands a center can send.
const (
	CmdAck          CmdName = "ack"           // alarm_id, operator: help is coming
	CmdSilence      CmdName = "silence"       // silence the siren
	CmdSelfTest     CmdName = "self_test"     // test outputs and sensors, reply with the result
	CmdStatus       CmdName = "status"        // reply with link, outbox and sensor status
	CmdSetHeartbeat CmdName = "set_heartbeat" // interval_s
	CmdReplaceRules CmdName = "replace_rules" // rules: the new rules file, validated first
	CmdReset        CmdName = "reset"         // reset latched alarms
	CmdReplay       CmdName = "replay"        // from, to: resend events with seq in [from, to]
)

var cmdNames = []CmdName{CmdAck, CmdSilence, CmdSelfTest, CmdStatus, CmdSetHeartbeat, CmdReplaceRules, CmdReset, CmdReplay}

// Limits on command arguments.
const (
	MinHeartbeatS = 10
	MaxHeartbeatS = 3600
	MaxReplay     = 10000     // events per replay command
	MaxRules      = 256 << 10 // bytes of a rules file
	MaxPayload    = 512 << 10 // bytes of any payload
	MaxIDLen      = 128
)

// CommandMsg is a command from the center. ID identifies it: a box acts on
// an id once and answers every copy of it with the same reply.
type CommandMsg struct {
	V    int       `json:"v"`
	ID   string    `json:"id"`
	Cmd  CmdName   `json:"cmd"`
	Time time.Time `json:"time"`
	// ack
	AlarmID  string `json:"alarm_id,omitempty"`
	Operator string `json:"operator,omitempty"`
	// replay
	From int64 `json:"from,omitempty"`
	To   int64 `json:"to,omitempty"`
	// set_heartbeat
	IntervalS int `json:"interval_s,omitempty"`
	// replace_rules
	Rules string `json:"rules,omitempty"`
}

// Reply codes say why a command was refused or failed.
const (
	CodeMalformed = "malformed" // not JSON, wrong types, missing or bad fields
	CodeUnknown   = "unknown"   // a command this box does not know
	CodeStale     = "stale"     // its time is outside the box's window
	CodeRejected  = "rejected"  // valid, but refused (e.g. a bad rules file)
	CodeFailed    = "failed"    // tried and failed (e.g. the siren did not answer)
	CodeBusy      = "busy"      // not looked at: the box's command queue was full
	CodeDuplicate = "duplicate" // this id was seen already and refused then; not acted on
)

// Retryable says whether a refusal with code depends on the moment (the
// clocks, a transient failure, a full queue) rather than on the command:
// the box keeps no reply for it, and the sender may try again with a new
// command id.
func Retryable(code string) bool {
	switch code {
	case CodeStale, CodeFailed, CodeBusy, CodeDuplicate:
		return true
	}
	return false
}

// ReplyMsg answers one command. OK false comes with Code and Error.
type ReplyMsg struct {
	V     int       `json:"v"`
	Site  string    `json:"site"`
	ID    string    `json:"id"`
	Cmd   CmdName   `json:"cmd,omitempty"`
	OK    bool      `json:"ok"`
	Code  string    `json:"code,omitempty"`
	Error string    `json:"error,omitempty"`
	Time  time.Time `json:"time"`
	// Result carries a command's answer (status, self_test, replay).
	Result json.RawMessage `json:"result,omitempty"`
}

// Encode marshals any of the message types. It sets V if zero.
func Encode(m any) ([]byte, error) {
	switch m := m.(type) {
	case *EventMsg:
		setV(&m.V)
	case *HeartbeatMsg:
		setV(&m.V)
	case *StatusMsg:
		setV(&m.V)
	case *CenterStatusMsg:
		setV(&m.V)
	case *CommandMsg:
		setV(&m.V)
	case *ReplyMsg:
		setV(&m.V)
	}
	return json.Marshal(m)
}

func setV(v *int) {
	if *v == 0 {
		*v = Version
	}
}
