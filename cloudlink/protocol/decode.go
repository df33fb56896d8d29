package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/internal/fielderr"
)

// ErrInvalid is wrapped by every decoding error.
var ErrInvalid = errors.New("invalid message")

// FieldError names the field of a payload or topic that is wrong and what
// was expected. Field is "" when the payload as a whole is at fault. Every
// FieldError of this package has Err set to ErrInvalid, so that
// errors.Is(err, ErrInvalid) holds; callers building one set it too.
type FieldError = fielderr.Error

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...), Err: ErrInvalid}
}

var kindRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// unmarshal decodes JSON into v and turns decoding errors into FieldErrors.
func unmarshal(data []byte, v any) error {
	if len(data) > MaxPayload {
		return fieldErr("", "payload of %d bytes is over the limit of %d", len(data), MaxPayload)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fieldErr(te.Field, "got JSON %s, want %s", te.Value, te.Type)
		}
		var pe *time.ParseError
		if errors.As(err, &pe) {
			return fieldErr("", "time not in RFC 3339: %q", pe.Value)
		}
		return fieldErr("", "not a JSON object: %v", err)
	}
	if dec.More() {
		return fieldErr("", "trailing data after the JSON object")
	}
	return nil
}

func checkV(v int) error {
	if v != Version {
		return fieldErr("v", "unsupported schema version %d (want %d)", v, Version)
	}
	return nil
}

func checkID(field, id string) error {
	switch {
	case id == "":
		return fieldErr(field, "missing (want a non-empty id)")
	case len(id) > MaxIDLen:
		return fieldErr(field, "%d characters, over the limit of %d", len(id), MaxIDLen)
	}
	return nil
}

// DecodeEvent parses and checks an alarm or event payload.
func DecodeEvent(data []byte) (EventMsg, error) {
	var m EventMsg
	if err := unmarshal(data, &m); err != nil {
		return EventMsg{}, err
	}
	if err := checkV(m.V); err != nil {
		return m, err
	}
	if err := ValidSite(m.Site); err != nil {
		return m, err
	}
	if err := checkID("id", m.ID); err != nil {
		return m, err
	}
	if m.Seq < 1 {
		return m, fieldErr("seq", "%d (want 1 or more)", m.Seq)
	}
	if !kindRE.MatchString(string(m.Kind)) {
		return m, fieldErr("kind", "%q is not an event kind (want lowercase letters, digits and '_')", m.Kind)
	}
	if _, err := event.ParseSeverity(string(m.Severity)); err != nil {
		return m, fieldErr("severity", "%v", err)
	}
	if m.Time.IsZero() {
		return m, fieldErr("time", "missing (want an RFC 3339 time)")
	}
	if m.Sent.IsZero() {
		return m, fieldErr("sent", "missing (want an RFC 3339 time)")
	}
	if m.Kind.IsAlarm() && m.AlarmID == "" {
		return m, fieldErr("alarm_id", "missing on a %s event", m.Kind)
	}
	return m, nil
}

// DecodeHeartbeat parses and checks a heartbeat payload.
func DecodeHeartbeat(data []byte) (HeartbeatMsg, error) {
	var m HeartbeatMsg
	if err := unmarshal(data, &m); err != nil {
		return HeartbeatMsg{}, err
	}
	if err := checkV(m.V); err != nil {
		return m, err
	}
	if err := ValidSite(m.Site); err != nil {
		return m, err
	}
	if m.Time.IsZero() {
		return m, fieldErr("time", "missing (want an RFC 3339 time)")
	}
	if m.IntervalS <= 0 {
		return m, fieldErr("interval_s", "%d (want seconds, above 0)", m.IntervalS)
	}
	// last_seq is required: 0 (a new box) and a missing field decode
	// alike, and the center needs it to see a lost last event.
	var seq struct {
		LastSeq *int64 `json:"last_seq"`
	}
	if err := json.Unmarshal(data, &seq); err != nil || seq.LastSeq == nil {
		return m, fieldErr("last_seq", "missing (want the highest seq committed, 0 or more)")
	}
	if m.LastSeq < 0 {
		return m, fieldErr("last_seq", "%d (want 0 or more)", m.LastSeq)
	}
	if m.OutboxDepth < 0 || m.OldestUnsentS < 0 || m.UptimeS < 0 || m.UnackedAlarms < 0 {
		return m, fieldErr("", "negative count in uptime_s, outbox_depth, oldest_unsent_s or unacked_alarms")
	}
	for i, s := range m.Sensors {
		if s.ID == "" {
			return m, fieldErr(fmt.Sprintf("sensors[%d].id", i), "missing")
		}
	}
	return m, nil
}

// DecodeStatus parses and checks a status payload.
func DecodeStatus(data []byte) (StatusMsg, error) {
	var m StatusMsg
	if err := unmarshal(data, &m); err != nil {
		return StatusMsg{}, err
	}
	if err := checkV(m.V); err != nil {
		return m, err
	}
	if err := ValidSite(m.Site); err != nil {
		return m, err
	}
	if m.State != Online && m.State != Offline {
		return m, fieldErr("state", "%q (want %q or %q)", m.State, Online, Offline)
	}
	return m, nil
}

// DecodeCenterStatus parses and checks the center's status payload.
func DecodeCenterStatus(data []byte) (CenterStatusMsg, error) {
	var m CenterStatusMsg
	if err := unmarshal(data, &m); err != nil {
		return CenterStatusMsg{}, err
	}
	if err := checkV(m.V); err != nil {
		return m, err
	}
	switch m.State {
	case Online:
		if err := checkID("epoch", m.Epoch); err != nil {
			return m, err
		}
	case Offline:
		if len(m.Epoch) > MaxIDLen {
			return m, fieldErr("epoch", "%d characters, over the limit of %d", len(m.Epoch), MaxIDLen)
		}
	default:
		return m, fieldErr("state", "%q (want %q or %q)", m.State, Online, Offline)
	}
	if m.Time.IsZero() {
		return m, fieldErr("time", "missing (want an RFC 3339 time)")
	}
	if len(m.ClientID) > MaxIDLen {
		return m, fieldErr("client_id", "%d characters, over the limit of %d", len(m.ClientID), MaxIDLen)
	}
	return m, nil
}

// DecodeCommand parses and checks a command. On a checking error the
// returned message holds whatever was read (ID and Cmd, if present), so the
// box can still address its refusal to the right id.
func DecodeCommand(data []byte) (CommandMsg, error) {
	var m CommandMsg
	if err := unmarshal(data, &m); err != nil {
		// Salvage the id for the reply if the rest is broken.
		var idOnly struct {
			ID  any `json:"id"`
			Cmd any `json:"cmd"`
		}
		if json.Unmarshal(data, &idOnly) == nil {
			if s, ok := idOnly.ID.(string); ok && len(s) <= MaxIDLen {
				m.ID = s
			}
			if s, ok := idOnly.Cmd.(string); ok && len(s) <= 64 {
				m.Cmd = CmdName(s)
			}
		}
		return CommandMsg{ID: m.ID, Cmd: m.Cmd}, err
	}
	if err := checkV(m.V); err != nil {
		return m, err
	}
	if err := checkID("id", m.ID); err != nil {
		return m, err
	}
	if m.Time.IsZero() {
		return m, fieldErr("time", "missing (want an RFC 3339 time)")
	}
	return m, m.checkArgs()
}

// ErrUnknownCommand is wrapped by DecodeCommand's error for a verb this
// version does not know (reply code "unknown" rather than "malformed").
var ErrUnknownCommand = errors.New("unknown command")

func (m *CommandMsg) checkArgs() error {
	switch m.Cmd {
	case CmdAck:
		if err := checkID("alarm_id", m.AlarmID); err != nil {
			return err
		}
		if len(m.Operator) > MaxIDLen {
			return fieldErr("operator", "%d characters, over the limit of %d", len(m.Operator), MaxIDLen)
		}
	case CmdReplay:
		if m.From < 1 {
			return fieldErr("from", "%d (want a sequence number, 1 or more)", m.From)
		}
		if m.To < m.From {
			return fieldErr("to", "%d is before from %d", m.To, m.From)
		}
		if m.To-m.From >= MaxReplay {
			return fieldErr("to", "range of %d events is over the limit of %d", m.To-m.From+1, MaxReplay)
		}
	case CmdSetHeartbeat:
		if m.IntervalS < MinHeartbeatS || m.IntervalS > MaxHeartbeatS {
			return fieldErr("interval_s", "%d (want %d to %d seconds)", m.IntervalS, MinHeartbeatS, MaxHeartbeatS)
		}
	case CmdReplaceRules:
		if m.Rules == "" {
			return fieldErr("rules", "missing (want the rules file's text)")
		}
		if len(m.Rules) > MaxRules {
			return fieldErr("rules", "%d bytes, over the limit of %d", len(m.Rules), MaxRules)
		}
	case CmdSilence, CmdSelfTest, CmdStatus, CmdReset:
	case "":
		return fieldErr("cmd", "missing (want one of %v)", cmdNames)
	default:
		return fmt.Errorf("%w %q: %w", ErrUnknownCommand, m.Cmd, fieldErr("cmd", "want one of %v", cmdNames))
	}
	return nil
}

// DecodeReply parses and checks a command reply.
func DecodeReply(data []byte) (ReplyMsg, error) {
	var m ReplyMsg
	if err := unmarshal(data, &m); err != nil {
		return ReplyMsg{}, err
	}
	if err := checkV(m.V); err != nil {
		return m, err
	}
	if err := ValidSite(m.Site); err != nil {
		return m, err
	}
	if !m.OK && m.Code == "" {
		return m, fieldErr("code", "missing on a refusal (want malformed, unknown, stale, rejected or failed)")
	}
	return m, nil
}
