package mqgas

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
)

func TestConfigureRejectsBadOptions(t *testing.T) {
	base := fixture(t, "mq2.yaml")
	cal := func(extra string) yamlOptions {
		return yamlOptions("calibration:\n  load_ohms: 10000\n  r0_ohms: 9800\n" + extra)
	}
	points := "  curve:\n    points: [{ppm: 200, rs_r0: 1.6}, {ppm: 10000, rs_r0: 0.27}]\n"
	tests := []struct {
		name      string
		opts      yamlOptions
		wantField string
		wantMsg   string
	}{
		{name: "address off the chip", opts: withOption(t, base, "address", 0x50), wantField: "address", wantMsg: "0x48, 0x49"},
		{name: "channel 4", opts: withOption(t, base, "channel", 4), wantField: "channel", wantMsg: "0 to 3"},
		{name: "negative channel", opts: withOption(t, base, "channel", -1), wantField: "channel", wantMsg: "0 to 3"},
		{name: "sampling too fast", opts: withOption(t, base, "sample_interval", "1ms"), wantField: "sample_interval", wantMsg: "10ms to 1m"},
		{name: "negative warmup", opts: withOption(t, base, "warmup", "-1s"), wantField: "warmup", wantMsg: "negative"},
		{name: "full scale not a PGA range", opts: withOption(t, base, "full_scale_volts", 5), wantField: "full_scale_volts", wantMsg: "6.144, 4.096"},
		{name: "full scale below supply", opts: withOption(t, base, "full_scale_volts", 4.096), wantField: "full_scale_volts", wantMsg: "saturate"},
		{name: "rail too wide", opts: withOption(t, base, "rail_volts", 2), wantField: "rail_volts", wantMsg: "quarter"},
		{name: "fault_after negative", opts: withOption(t, base, "fault_after", -2), wantField: "fault_after", wantMsg: "1 or more"},
		{name: "no calibration", opts: yamlOptions("channel: 1\n"), wantField: "calibration.load_ohms", wantMsg: "load resistor"},
		{name: "no r0", opts: yamlOptions("calibration: {load_ohms: 1000}\n"), wantField: "calibration.r0_ohms", wantMsg: "clean air"},
		{name: "no curve", opts: cal(""), wantField: "calibration.curve", wantMsg: "missing"},
		{name: "one point", opts: cal("  curve: {points: [{ppm: 200, rs_r0: 1.6}]}\n"), wantField: "calibration.curve.points", wantMsg: "exactly 2"},
		{name: "points and a/b", opts: cal(points + "    a: 574\n    b: -2.2\n"), wantField: "calibration.curve", wantMsg: "not both"},
		{name: "rising curve", opts: cal("  curve: {points: [{ppm: 200, rs_r0: 0.5}, {ppm: 1000, rs_r0: 2}]}\n"), wantField: "calibration.curve", wantMsg: "must fall"},
		{name: "zero ppm point", opts: cal("  curve: {points: [{ppm: 0, rs_r0: 1.6}, {ppm: 1000, rs_r0: 1}]}\n"), wantField: "calibration.curve.points", wantMsg: "positive"},
		{name: "negative a", opts: cal("  curve: {a: -5, b: -2}\n"), wantField: "calibration.curve.a", wantMsg: "positive"},
		{name: "supply above any range", opts: cal(points + "  supply_volts: 12\n"), wantField: "calibration.supply_volts", wantMsg: "6.144"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Configure(gateway.SensorSpec{ID: "gas1", Kind: "gas", Options: tt.opts})
			var fe *gateway.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("got error %v, want a *gateway.FieldError", err)
			}
			if fe.Field != tt.wantField || !strings.Contains(fe.Msg, tt.wantMsg) {
				t.Errorf("got %q, want field %q with a message containing %q", err, tt.wantField, tt.wantMsg)
			}
		})
	}
}

func TestConfigureUnknownOption(t *testing.T) {
	_, err := Configure(gateway.SensorSpec{ID: "gas1", Options: withOption(t, fixture(t, "mq2.yaml"), "gian", 2)})
	if err == nil || !strings.Contains(err.Error(), "gian") {
		t.Errorf("got %v, want an error naming the unknown option", err)
	}
}

func TestConfigureDefaults(t *testing.T) {
	tests := []struct {
		name string
		opts yamlOptions
		want config
	}{
		{
			name: "fixture",
			opts: fixture(t, "mq2.yaml"),
			want: config{bus: "1", addr: 0x48, channel: 0, fullScale: 6.144, interval: time.Second, warmup: 5 * time.Second, faultAfter: 3, rail: 0.02},
		},
		{
			name: "3.3 V module on the second ADC, a/b curve",
			opts: yamlOptions("address: 0x49\nchannel: 2\ncalibration: {load_ohms: 4700, r0_ohms: 20000, supply_volts: 3.3, curve: {a: 574.25, b: -2.222}}\n"),
			want: config{bus: "1", addr: 0x49, channel: 2, fullScale: 4.096, interval: time.Second, warmup: 3 * time.Minute, faultAfter: 3, rail: 0.02},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op, err := Configure(gateway.SensorSpec{ID: "gas1", Options: tt.opts})
			require.NoError(t, err)
			got := op.(*Opener).cfg
			got.cal = Calibration{}
			require.Equal(t, tt.want, got)
			bus, addr := op.(*Opener).I2CAddress()
			if bus != tt.want.bus || addr != tt.want.addr {
				t.Errorf("I2CAddress: got %s/%#x, want %s/%#x", bus, addr, tt.want.bus, tt.want.addr)
			}
		})
	}
}

func TestRegistered(t *testing.T) {
	d := gateway.LookupDriver("ads1115-mq")
	require.NotNil(t, d, "driver ads1115-mq not registered")
	require.Equal(t, []event.SensorKind{event.Gas}, d.Kinds)
}
