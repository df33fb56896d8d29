package gsm_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/drivers/gsm"
	"github.com/safehub-iot/safehub/drivers/gsm/gsmtest"
	"github.com/safehub-iot/safehub/drivers/hostio"
	"github.com/safehub-iot/safehub/firmware-sim/serialsim"
)

const wait, tick = 5 * time.Second, 5 * time.Millisecond

// newModem is the simulated modem and the real driver talking to it.
var newModem = gsmtest.NewModem

func TestModemCheck(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(*serialsim.Modem)
		want    gsm.Health
		wantErr error
	}{
		{"healthy", func(*serialsim.Modem) {}, gsm.Health{SIM: "READY", Registered: true, Stat: 1, RSSI: 18}, nil},
		{"roaming, weak", func(m *serialsim.Modem) { m.SetRegistration(5); m.SetSignal(3) }, gsm.Health{SIM: "READY", Registered: true, Stat: 5, RSSI: 3}, nil},
		{"not registered", func(m *serialsim.Modem) { m.SetRegistration(2) }, gsm.Health{SIM: "READY", Stat: 2, RSSI: 18}, nil},
		{"no SIM", func(m *serialsim.Modem) { m.SetSIM(false) }, gsm.Health{}, gsm.ErrNoSIM},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sim, m := newModem(t, clockwork.NewRealClock())
			tc.setup(sim)
			ctx := context.Background()
			require.NoError(t, m.Init(ctx))
			got, err := m.Check(ctx)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("health = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestUnsolicitedLinesBetweenCommands(t *testing.T) {
	sim, m := newModem(t, clockwork.NewRealClock())
	var mu sync.Mutex
	var urc []string
	m.Unsolicited = func(l string) { mu.Lock(); urc = append(urc, l); mu.Unlock() }
	ctx := context.Background()
	require.NoError(t, m.Init(ctx))
	sim.InjectUnsolicited("RING", `+CMTI: "SM",3`, "Call Ready", "SMS Ready")
	h, err := m.Check(ctx)
	require.NoError(t, err)
	if h.SIM != "READY" {
		t.Errorf("SIM = %q, want READY", h.SIM)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"RING", `+CMTI: "SM",3`, "Call Ready", "SMS Ready"}; !slices.Equal(urc, want) {
		t.Errorf("unsolicited = %q, want %q", urc, want)
	}
}

func TestCommandTimeout(t *testing.T) {
	clock := clockwork.NewFakeClock()
	sim, m := newModem(t, clock)
	sim.SetMute(true)
	errc := make(chan error, 1)
	go func() { _, err := m.Command(context.Background(), "AT"); errc <- err }()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	require.NoError(t, clock.BlockUntilContext(ctx, 1))
	clock.Advance(5 * time.Second)
	if err := <-errc; !errors.Is(err, gsm.ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	sim.SetMute(false) // back: the next command works
	_, err := m.Command(context.Background(), "AT")
	require.NoError(t, err)
}

func TestSendSMS(t *testing.T) {
	long := strings.Repeat("跌", 100)
	tests := []struct {
		name string
		text string
		want []string // message texts as the modem decoded them
	}{
		{"gsm text", "SafeHub ALARM: fall - seq 42", []string{"SafeHub ALARM: fall - seq 42"}},
		{"ucs2", "老人跌倒 Müller", []string{"老人跌倒 Müller"}},
		{"ucs2 split at 70", long, []string{long[:70*3], long[70*3:]}},
		{"gsm split at 160", strings.Repeat("a", 170), []string{strings.Repeat("a", 160), strings.Repeat("a", 10)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sim, m := newModem(t, clockwork.NewRealClock())
			ctx := context.Background()
			require.NoError(t, m.Init(ctx))
			require.NoError(t, m.SendSMS(ctx, "+8613800000000", tc.text))
			var got []string
			for _, s := range sim.Messages() {
				if s.Number != "+8613800000000" {
					t.Errorf("number = %q", s.Number)
				}
				got = append(got, s.Text)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("texts = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSendSMSErrors(t *testing.T) {
	sim, m := newModem(t, clockwork.NewRealClock())
	ctx := context.Background()
	require.NoError(t, m.Init(ctx))
	sim.FailNextSend(330)
	err := m.SendSMS(ctx, "+491701234567", "x")
	var cms *gsm.CMSError
	if !errors.As(err, &cms) || cms.Code != 330 {
		t.Fatalf("err = %v, want +CMS ERROR 330", err)
	}
	sim.SetSIM(false)
	if err := m.SendSMS(ctx, "+491701234567", "x"); !errors.As(err, &cms) || cms.Code != 310 {
		t.Fatalf("err = %v, want +CMS ERROR 310", err)
	}
	if n := len(sim.Messages()); n != 0 {
		t.Errorf("%d messages sent, want 0", n)
	}
}

// TestModemOutlastsIdleLine opens the port as the box does (hostio, with a
// read timeout): a line idle for longer than the timeout reads as EOF with
// no bytes, which must not end the modem's reader.
func TestModemOutlastsIdleLine(t *testing.T) {
	sim, err := serialsim.NewModem()
	require.NoError(t, err)
	port, err := hostio.OpenSerial(sim.Path(), 115200)
	require.NoError(t, err)
	t.Cleanup(func() {
		sim.Close()
		port.Close()
	})
	m := gsm.NewModem(port, clockwork.NewRealClock(), nil)
	time.Sleep(2 * hostio.SerialReadTimeout)
	ctx := context.Background()
	require.NoError(t, m.Init(ctx))
	if _, err := m.Check(ctx); err != nil {
		t.Fatalf("check after an idle line: %v", err)
	}
}
