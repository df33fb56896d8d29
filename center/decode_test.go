package center

import (
	"errors"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/safehub-iot/safehub/cloudlink/protocol"
)

// message is a received MQTT message as paho hands it over.
type message struct {
	topic   string
	payload []byte
}

func (m message) Duplicate() bool   { return false }
func (m message) Qos() byte         { return 1 }
func (m message) Retained() bool    { return false }
func (m message) Topic() string     { return m.topic }
func (m message) MessageID() uint16 { return 1 }
func (m message) Payload() []byte   { return m.payload }
func (m message) Ack()              {}

func TestDecodeNamesTheField(t *testing.T) {
	c := &Center{cfg: Config{Clock: clockwork.NewFakeClock(), Log: quietLog()}}
	ok := `{"v":1,"site":"elm-1","id":"e1","seq":1,"kind":"alarm_raised","severity":"critical","alarm_id":"e1","time":"2026-11-23T03:00:00Z","sent":"2026-11-23T03:00:00Z"}`
	tests := []struct {
		name, topic, payload, wantField string
	}{
		{name: "good alarm", topic: "safehub/v1/elm-1/alarm", payload: ok},
		{name: "site differs from topic", topic: "safehub/v1/elm-2/alarm", payload: ok, wantField: "site"},
		{name: "bad topic", topic: "other/elm-1/alarm", payload: ok, wantField: "topic"},
		{name: "missing seq", topic: "safehub/v1/elm-1/alarm", payload: `{"v":1,"site":"elm-1","id":"e1","kind":"info","severity":"info","time":"2026-11-23T03:00:00Z","sent":"2026-11-23T03:00:00Z"}`, wantField: "seq"},
		{name: "heartbeat without interval", topic: "safehub/v1/elm-1/heartbeat", payload: `{"v":1,"site":"elm-1","time":"2026-11-23T03:00:00Z"}`, wantField: "interval_s"},
		{name: "status bad state", topic: "safehub/v1/elm-1/status", payload: `{"v":1,"site":"elm-1","state":"maybe"}`, wantField: "state"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.decode(message{tt.topic, []byte(tt.payload)})
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("got error %v, want none", err)
				}
				return
			}
			var fe *protocol.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.wantField {
				t.Fatalf("got error %v, want a field error on %q", err, tt.wantField)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	f.Add("safehub/v1/elm-1/alarm", []byte(`{"v":1,"site":"elm-1","id":"e1","seq":1,"kind":"alarm_raised","severity":"critical","alarm_id":"e1","time":"2026-11-23T03:00:00Z","sent":"2026-11-23T03:00:00Z"}`))
	f.Add("safehub/v1/elm-1/heartbeat", []byte(`{"v":1,"site":"elm-1","time":"2026-11-23T03:00:00Z","interval_s":30}`))
	f.Add("safehub/v1/elm-1/status", []byte(`{"v":1,"site":"elm-1","state":"offline"}`))
	f.Add("safehub/v1/elm-1/cmd/reply", []byte(`{"v":1,"site":"elm-1","id":"c1","ok":true,"time":"2026-11-23T03:00:00Z"}`))
	c := &Center{cfg: Config{Clock: clockwork.NewFakeClockAt(time.Unix(0, 0)), Log: quietLog()}}
	f.Fuzz(func(t *testing.T, topic string, payload []byte) {
		in, err := c.decode(message{topic, payload})
		if err != nil || in == nil {
			return
		}
		if in.event != nil && (in.event.Site == "" || in.event.Event.ID == "") {
			t.Fatalf("accepted an event without site or id: %q %q", topic, payload)
		}
	})
}
