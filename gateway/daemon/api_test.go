package daemon

import (
	"testing"
	"time"

	"github.com/safehub-iot/safehub/cloudlink"
	"github.com/safehub-iot/safehub/gateway/api"
)

func TestLinkStatus(t *testing.T) {
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   cloudlink.State
		want string
	}{
		{name: "up", in: cloudlink.State{Connected: true, Broker: "ssl://c:8883", Since: at, OutboxDepth: 3, OldestUnsent: at}, want: api.LinkConnected},
		{name: "down", in: cloudlink.State{Broker: "ssl://c:8883", Since: at}, want: api.LinkDisconnected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := linkStatus(tt.in)
			if got.State != tt.want || got.Broker != tt.in.Broker || !got.Since.Equal(at) || got.OutboxDepth != tt.in.OutboxDepth {
				t.Errorf("linkStatus(%+v) = %+v, want state %s and the same broker, since and depth", tt.in, got, tt.want)
			}
		})
	}
}
