package daemon

import (
	"testing"
	"time"

	"github.com/safehub-iot/safehub/cloudlink"
	"github.com/safehub-iot/safehub/gateway/config"
)

func TestLinkConfig(t *testing.T) {
	tests := []struct {
		name   string
		cloud  config.Cloud
		wantOK bool
		check  func(t *testing.T, lc cloudlink.Config)
	}{
		{name: "local only", cloud: config.Cloud{}, wantOK: false},
		{name: "defaults kept", cloud: config.Cloud{Brokers: []string{"ssl://center.example:8883"}}, wantOK: true,
			check: func(t *testing.T, lc cloudlink.Config) {
				def := cloudlink.Default()
				if lc.Keepalive != def.Keepalive || lc.Heartbeat != def.Heartbeat || lc.MaxInflight != def.MaxInflight {
					t.Fatalf("got keepalive %v heartbeat %v inflight %d, want the link's defaults", lc.Keepalive, lc.Heartbeat, lc.MaxInflight)
				}
			}},
		{name: "all mapped", wantOK: true, cloud: config.Cloud{
			Brokers: []string{"ssl://a.example:8883", "ssl://b.example:8883"}, ClientID: "box-7",
			TLS:      config.TLS{CA: "ca.pem", Cert: "box.crt", Key: "box.key"},
			Username: "rose-12", PasswordFile: "pw", Keepalive: config.Duration(20 * time.Second),
			Heartbeat: config.Duration(2 * time.Minute), MaxInflight: 10, OutboxMax: 500, CommandMaxAge: config.Duration(time.Minute),
		}, check: func(t *testing.T, lc cloudlink.Config) {
			if len(lc.Brokers) != 2 || lc.ClientID != "box-7" || lc.CAFile != "ca.pem" || lc.CertFile != "box.crt" || lc.KeyFile != "box.key" ||
				lc.Username != "rose-12" || lc.PasswordFile != "pw" || lc.Keepalive != 20*time.Second || lc.Heartbeat != 2*time.Minute ||
				lc.MaxInflight != 10 || lc.OutboxMax != 500 || lc.CmdMaxAge != time.Minute || lc.Version != "v9" || lc.Site != "rose-12" {
				t.Fatalf("mapped config = %+v", lc)
			}
			if err := lc.Validate(); err != nil {
				t.Fatalf("mapped config does not validate: %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &config.File{Site: config.Site{ID: "rose-12"}, Cloud: tt.cloud}
			lc, ok := linkConfig(f, "v9")
			if ok != tt.wantOK {
				t.Fatalf("ok = %v, want %v", ok, tt.wantOK)
			}
			if tt.check != nil {
				tt.check(t, lc)
			}
		})
	}
}
