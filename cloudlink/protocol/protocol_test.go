package protocol

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/safehub-iot/safehub/event"
)

func readFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatalf("read fixture: %v", err)
	}
	return data
}

func TestTopic(t *testing.T) {
	tests := []struct {
		name    string
		site    string
		ch      Channel
		want    string
		wantErr string
	}{
		{name: "alarm", site: "rose-12", ch: Alarm, want: "safehub/v1/rose-12/alarm"},
		{name: "reply", site: "a", ch: Reply, want: "safehub/v1/a/cmd/reply"},
		{name: "63 chars", site: "a" + strings.Repeat("b", 62), ch: Event, want: "safehub/v1/a" + strings.Repeat("b", 62) + "/event"},
		{name: "64 chars", site: "a" + strings.Repeat("b", 63), ch: Event, wantErr: "site:"},
		{name: "wildcard", site: "+", ch: Alarm, wantErr: "site:"},
		{name: "slash", site: "a/b", ch: Alarm, wantErr: "site:"},
		{name: "upper", site: "Rose", ch: Alarm, wantErr: "site:"},
		{name: "leading dash", site: "-rose", ch: Alarm, wantErr: "site:"},
		{name: "empty", site: "", ch: Alarm, wantErr: "site:"},
		{name: "bad channel", site: "rose", ch: "alarms", wantErr: "unknown channel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Topic(tt.site, tt.ch)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Topic(%q, %q) error = %v, want one containing %q", tt.site, tt.ch, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Topic(%q, %q) = %q, %v; want %q", tt.site, tt.ch, got, err, tt.want)
			}
			site, ch, err := ParseTopic(got)
			if err != nil || site != tt.site || ch != tt.ch {
				t.Fatalf("ParseTopic(%q) = %q, %q, %v; want %q, %q", got, site, ch, err, tt.site, tt.ch)
			}
		})
	}
}

func TestParseTopicErrors(t *testing.T) {
	tests := []struct {
		name, topic, want string
	}{
		{name: "other root", topic: "other/v1/rose/alarm", want: "topic:"},
		{name: "old version", topic: "safehub/v0/rose/alarm", want: "topic:"},
		{name: "no channel", topic: "safehub/v1/rose", want: "no channel"},
		{name: "bad site", topic: "safehub/v1/Rose/alarm", want: "site:"},
		{name: "unknown channel", topic: "safehub/v1/rose/alarm/x", want: "unknown channel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ParseTopic(tt.topic)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("ParseTopic(%q) error = %v, want ErrInvalid containing %q", tt.topic, err, tt.want)
			}
		})
	}
}

func TestFilter(t *testing.T) {
	if got, want := Filter(Alarm), "safehub/v1/+/alarm"; got != want {
		t.Fatalf("Filter(Alarm) = %q, want %q", got, want)
	}
}

// TestFixturesRoundTrip decodes the documented examples (the same ones as in
// docs/protocol.md), encodes them again and decodes the result.
func TestFixturesRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		decode func([]byte) (any, error)
	}{
		{"alarm", "alarm.json", func(b []byte) (any, error) { m, err := DecodeEvent(b); return &m, err }},
		{"event", "event.json", func(b []byte) (any, error) { m, err := DecodeEvent(b); return &m, err }},
		{"heartbeat", "heartbeat.json", func(b []byte) (any, error) { m, err := DecodeHeartbeat(b); return &m, err }},
		{"online", "status_online.json", func(b []byte) (any, error) { m, err := DecodeStatus(b); return &m, err }},
		{"offline", "status_offline.json", func(b []byte) (any, error) { m, err := DecodeStatus(b); return &m, err }},
		{"center online", "center_online.json", func(b []byte) (any, error) { m, err := DecodeCenterStatus(b); return &m, err }},
		{"center offline", "center_offline.json", func(b []byte) (any, error) { m, err := DecodeCenterStatus(b); return &m, err }},
		{"ack", "cmd_ack.json", func(b []byte) (any, error) { m, err := DecodeCommand(b); return &m, err }},
		{"replay", "cmd_replay.json", func(b []byte) (any, error) { m, err := DecodeCommand(b); return &m, err }},
		{"reply ok", "reply_ok.json", func(b []byte) (any, error) { m, err := DecodeReply(b); return &m, err }},
		{"reply refused", "reply_refused.json", func(b []byte) (any, error) { m, err := DecodeReply(b); return &m, err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := tt.decode(readFixture(t, tt.file))
			if err != nil {
				t.Fatalf("decode %s: %v", tt.file, err)
			}
			b, err := Encode(m)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			m2, err := tt.decode(b)
			if err != nil {
				t.Fatalf("decode re-encoded %s: %v", b, err)
			}
			b2, _ := Encode(m2)
			if string(b) != string(b2) {
				t.Fatalf("round trip changed the message:\n got %s\nwant %s", b2, b)
			}
		})
	}
}

func TestEventMsgCarriesEvent(t *testing.T) {
	at := time.Date(2026, 11, 23, 10, 15, 2, 120e6, time.UTC)
	ev := event.Event{
		ID: "e1", Seq: 7, Time: at, Kind: event.AlarmRaised, Severity: event.Critical,
		Sensor: "button-bed", SensorKind: "call_button", Room: "bedroom", Rule: "call", AlarmID: "e1",
		Message: "pressed", Values: map[string]float64{"active": 1}, Test: true, ClockUnsure: true,
	}
	m := NewEventMsg("rose-12", ev, at.Add(time.Millisecond))
	b, err := Encode(&m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeEvent(b)
	if err != nil {
		t.Fatalf("DecodeEvent(%s): %v", b, err)
	}
	gev := got.Event()
	if gev.ID != ev.ID || gev.Seq != ev.Seq || !gev.Time.Equal(ev.Time) || gev.AlarmID != ev.AlarmID ||
		!gev.Test || !gev.ClockUnsure || gev.Values["active"] != 1 || gev.Room != ev.Room {
		t.Fatalf("event after the wire = %+v, want %+v", gev, ev)
	}
	if got.V != Version || got.Site != "rose-12" || !got.Sent.Equal(at.Add(time.Millisecond)) {
		t.Fatalf("envelope = v %d site %q sent %v", got.V, got.Site, got.Sent)
	}
	if ChannelOf(ev.Kind) != Alarm || ChannelOf(event.StateChange) != Event {
		t.Fatalf("ChannelOf: alarm_raised -> %q, state_change -> %q", ChannelOf(ev.Kind), ChannelOf(event.StateChange))
	}
}

func TestDecodeEventErrors(t *testing.T) {
	good := string(readFixture(t, "alarm.json"))
	tests := []struct {
		name    string
		payload string
		field   string
	}{
		{name: "not json", payload: `alarm!`, field: ""},
		{name: "array", payload: `[1]`, field: ""},
		{name: "trailing", payload: good + `{}`, field: ""},
		{name: "version 2", payload: strings.Replace(good, `"v":1`, `"v":2`, 1), field: "v"},
		{name: "no version", payload: strings.Replace(good, `"v":1,`, ``, 1), field: "v"},
		{name: "seq string", payload: strings.Replace(good, `"seq":42`, `"seq":"42"`, 1), field: "seq"},
		{name: "seq zero", payload: strings.Replace(good, `"seq":42`, `"seq":0`, 1), field: "seq"},
		{name: "bad site", payload: strings.Replace(good, `"rose-12"`, `"Rose/12"`, 1), field: "site"},
		{name: "no id", payload: strings.Replace(good, `"id":"01933b6e-8a4f-7c3e-9a52-4be0c2d1e001",`, ``, 1), field: "id"},
		{name: "bad kind", payload: strings.Replace(good, `"alarm_raised"`, `"Alarm Raised"`, 1), field: "kind"},
		{name: "bad severity", payload: strings.Replace(good, `"critical"`, `"urgent"`, 1), field: "severity"},
		{name: "bad time", payload: strings.Replace(good, `"2026-11-23T10:15:02.120Z"`, `"yesterday"`, 1), field: ""},
		{name: "no sent", payload: strings.Replace(good, `"sent":"2026-11-23T10:15:02.131Z",`, ``, 1), field: "sent"},
		{name: "alarm without alarm id", payload: strings.Replace(good, `"alarm_id":"01933b6e-8a4f-7c3e-9a52-4be0c2d1e001",`, ``, 1), field: "alarm_id"},
		{name: "values not numbers", payload: strings.Replace(good, `{"active":1}`, `{"active":"on"}`, 1), field: "values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeEvent([]byte(tt.payload))
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("DecodeEvent error = %v, want a *FieldError", err)
			}
			if fe.Field != tt.field {
				t.Fatalf("error %q names field %q, want %q", err, fe.Field, tt.field)
			}
		})
	}
}

func TestDecodeCommand(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		wantID  string
		field   string // "" with wantErr false: no error
		unknown bool
		wantErr bool
	}{
		{name: "ack", payload: string(readFixture(t, "cmd_ack.json")), wantID: "c-7f3a"},
		{name: "silence", payload: `{"v":1,"id":"s1","cmd":"silence","time":"2026-11-23T10:00:00Z"}`, wantID: "s1"},
		{name: "heartbeat ok", payload: `{"v":1,"id":"h1","cmd":"set_heartbeat","time":"2026-11-23T10:00:00Z","interval_s":30}`, wantID: "h1"},
		{name: "heartbeat too short", payload: `{"v":1,"id":"h2","cmd":"set_heartbeat","time":"2026-11-23T10:00:00Z","interval_s":2}`, wantID: "h2", field: "interval_s", wantErr: true},
		{name: "ack without alarm", payload: `{"v":1,"id":"a1","cmd":"ack","time":"2026-11-23T10:00:00Z"}`, wantID: "a1", field: "alarm_id", wantErr: true},
		{name: "replay backwards", payload: `{"v":1,"id":"r1","cmd":"replay","time":"2026-11-23T10:00:00Z","from":9,"to":3}`, wantID: "r1", field: "to", wantErr: true},
		{name: "replay too long", payload: `{"v":1,"id":"r2","cmd":"replay","time":"2026-11-23T10:00:00Z","from":1,"to":10001}`, wantID: "r2", field: "to", wantErr: true},
		{name: "replay from zero", payload: `{"v":1,"id":"r3","cmd":"replay","time":"2026-11-23T10:00:00Z","from":0,"to":3}`, wantID: "r3", field: "from", wantErr: true},
		{name: "rules empty", payload: `{"v":1,"id":"q1","cmd":"replace_rules","time":"2026-11-23T10:00:00Z"}`, wantID: "q1", field: "rules", wantErr: true},
		{name: "unknown verb", payload: `{"v":1,"id":"u1","cmd":"self_destruct","time":"2026-11-23T10:00:00Z"}`, wantID: "u1", field: "cmd", unknown: true, wantErr: true},
		{name: "no verb", payload: `{"v":1,"id":"u2","time":"2026-11-23T10:00:00Z"}`, wantID: "u2", field: "cmd", wantErr: true},
		{name: "no time", payload: `{"v":1,"id":"t1","cmd":"status"}`, wantID: "t1", field: "time", wantErr: true},
		{name: "wrong type keeps id", payload: `{"v":1,"id":"w1","cmd":"replay","time":"2026-11-23T10:00:00Z","from":"one"}`, wantID: "w1", field: "from", wantErr: true},
		{name: "garbage", payload: `{"v":1,"id":`, wantID: "", field: "", wantErr: true},
		{name: "no id", payload: `{"v":1,"cmd":"status","time":"2026-11-23T10:00:00Z"}`, field: "id", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeCommand([]byte(tt.payload))
			if got.ID != tt.wantID {
				t.Errorf("ID = %q, want %q", got.ID, tt.wantID)
			}
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("DecodeCommand: %v", err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Fatalf("error = %v, want a *FieldError for field %q", err, tt.field)
			}
			if got := errors.Is(err, ErrUnknownCommand); got != tt.unknown {
				t.Fatalf("errors.Is(err, ErrUnknownCommand) = %v, want %v", got, tt.unknown)
			}
		})
	}
}

func TestDecodeOthersErrors(t *testing.T) {
	tests := []struct {
		name   string
		decode func([]byte) error
		data   string
		field  string
	}{
		{"status state", func(b []byte) error { _, err := DecodeStatus(b); return err }, `{"v":1,"site":"a","state":"maybe"}`, "state"},
		{"heartbeat interval", func(b []byte) error { _, err := DecodeHeartbeat(b); return err }, `{"v":1,"site":"a","time":"2026-11-23T10:00:00Z"}`, "interval_s"},
		{"heartbeat sensor id", func(b []byte) error { _, err := DecodeHeartbeat(b); return err },
			`{"v":1,"site":"a","time":"2026-11-23T10:00:00Z","interval_s":60,"last_seq":0,"sensors":[{"kind":"smoke"}]}`, "sensors[0].id"},
		// The center compares last_seq with what it has: a heartbeat
		// without it would hide a lost last event.
		{"heartbeat without last_seq", func(b []byte) error { _, err := DecodeHeartbeat(b); return err }, `{"v":1,"site":"a","time":"2026-11-23T10:00:00Z","interval_s":60}`, "last_seq"},
		{"heartbeat last_seq null", func(b []byte) error { _, err := DecodeHeartbeat(b); return err }, `{"v":1,"site":"a","time":"2026-11-23T10:00:00Z","interval_s":60,"last_seq":null}`, "last_seq"},
		{"heartbeat negative last_seq", func(b []byte) error { _, err := DecodeHeartbeat(b); return err }, `{"v":1,"site":"a","time":"2026-11-23T10:00:00Z","interval_s":60,"last_seq":-1}`, "last_seq"},
		{"reply code", func(b []byte) error { _, err := DecodeReply(b); return err }, `{"v":1,"site":"a","id":"x","ok":false}`, "code"},
		{"too big", func(b []byte) error { _, err := DecodeStatus(b); return err }, `"` + strings.Repeat("x", MaxPayload) + `"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.decode([]byte(tt.data))
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Fatalf("error = %v, want a *FieldError for field %q", err, tt.field)
			}
		})
	}
}

func TestDecodeCenterStatus(t *testing.T) {
	online := string(readFixture(t, "center_online.json"))
	offline := string(readFixture(t, "center_offline.json"))
	long := strings.Repeat("e", MaxIDLen+1)
	tests := []struct {
		name    string
		payload string
		field   string // with wantErr
		wantErr bool
	}{
		{name: "online", payload: online},
		{name: "offline without epoch", payload: offline},
		{name: "online without client id", payload: strings.Replace(online, `,"client_id":"safehub-center-1"`, ``, 1)},
		{name: "not json", payload: `online`, field: "", wantErr: true},
		{name: "trailing", payload: online + `{}`, field: "", wantErr: true},
		{name: "version 2", payload: strings.Replace(online, `"v":1`, `"v":2`, 1), field: "v", wantErr: true},
		{name: "no state", payload: strings.Replace(online, `"state":"online",`, ``, 1), field: "state", wantErr: true},
		{name: "bad state", payload: strings.Replace(online, `"online"`, `"up"`, 1), field: "state", wantErr: true},
		{name: "online without epoch", payload: strings.Replace(online, `"epoch":"20261123T080001.123Z-9f3a1c2b",`, ``, 1), field: "epoch", wantErr: true},
		{name: "online with empty epoch", payload: strings.Replace(online, `"20261123T080001.123Z-9f3a1c2b"`, `""`, 1), field: "epoch", wantErr: true},
		{name: "epoch a number", payload: strings.Replace(online, `"20261123T080001.123Z-9f3a1c2b"`, `7`, 1), field: "epoch", wantErr: true},
		{name: "epoch too long", payload: strings.Replace(online, `"20261123T080001.123Z-9f3a1c2b"`, `"`+long+`"`, 1), field: "epoch", wantErr: true},
		{name: "offline epoch too long", payload: strings.Replace(offline, `"state":"offline",`, `"state":"offline","epoch":"`+long+`",`, 1), field: "epoch", wantErr: true},
		{name: "no time", payload: strings.Replace(online, `"time":"2026-11-23T08:00:01.123Z",`, ``, 1), field: "time", wantErr: true},
		{name: "bad time", payload: strings.Replace(online, `"2026-11-23T08:00:01.123Z"`, `"now"`, 1), field: "", wantErr: true},
		{name: "client id too long", payload: strings.Replace(online, `"safehub-center-1"`, `"`+long+`"`, 1), field: "client_id", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := DecodeCenterStatus([]byte(tt.payload))
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("DecodeCenterStatus(%s): %v", tt.payload, err)
				}
				if m.V != Version || (m.State == Online && m.Epoch == "") {
					t.Fatalf("DecodeCenterStatus(%s) = %+v", tt.payload, m)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("error = %v, want a *FieldError wrapping ErrInvalid", err)
			}
			if fe.Field != tt.field {
				t.Fatalf("error %q names field %q, want %q", err, fe.Field, tt.field)
			}
		})
	}
}

func TestCenterStatusTopicIsNoSite(t *testing.T) {
	if _, _, err := ParseTopic(CenterStatusTopic); err == nil {
		t.Fatalf("ParseTopic(%q) accepted the center's topic as a site's", CenterStatusTopic)
	}
	for _, ch := range channels {
		if matchesFilter(Filter(ch), CenterStatusTopic) {
			t.Errorf("the center's filter %q matches %q", Filter(ch), CenterStatusTopic)
		}
	}
}

// matchesFilter is MQTT topic matching, enough for the test above.
func matchesFilter(filter, topic string) bool {
	f, tp := strings.Split(filter, "/"), strings.Split(topic, "/")
	for i, p := range f {
		if p == "#" {
			return true
		}
		if i >= len(tp) || (p != "+" && p != tp[i]) {
			return false
		}
	}
	return len(f) == len(tp)
}
