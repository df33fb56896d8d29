package daemon_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"
	"periph.io/x/conn/v3/gpio"

	_ "github.com/safehub-iot/safehub/drivers/all"
	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/firmware-sim/simhw"
	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/gateway/daemon"
)

const homeConfig = `
site: {id: test-home, timezone: Europe/Berlin}
hardware: sim
store: {path: %q}
api: {socket: %q}
sensors:
  - {id: button, kind: call_button, driver: gpio, room: bedroom, options: {pin: GPIO17}}
  - {id: door, kind: door, driver: gpio, room: hall, options: {pin: GPIO22}}
  - {id: smoke, kind: smoke, driver: gpio, room: kitchen, options: {pin: GPIO27}}
outputs:
  - {id: siren, kind: siren, driver: gpio, options: {pin: GPIO5}}
  - {id: led-help, kind: led_help_coming, driver: gpio, options: {pin: GPIO13}}
`

type home struct {
	d     *daemon.Daemon
	hw    *simhw.Hardware
	clock *clockwork.FakeClock
	stop  func()
	dir   string
	opts  boxOptions
}

// startHome runs a daemon on simulated pins with a fake clock and the
// kernel's clock state. prepare may break pins before the drivers open them.
func startHome(tb testing.TB, prepare func(*simhw.Hardware)) *home {
	tb.Helper()
	return startBox(tb, tb.TempDir(), nil, prepare)
}

// waitHealth waits for the drivers to have opened their pins (and settles
// their initial levels).
func (h *home) waitHealth(tb testing.TB, want map[string]event.Health) {
	tb.Helper()
	require.Eventually(tb, func() bool {
		h.clock.Advance(100 * time.Millisecond)
		got := map[string]event.Health{}
		for _, s := range h.d.Pipeline().Health() {
			if s.Health == event.HealthOK && s.LastSeen.IsZero() {
				continue // opened, initial level not settled yet
			}
			got[s.ID] = s.Health
		}
		for id, w := range want {
			if got[id] != w {
				return false
			}
		}
		return true
	}, 5*time.Second, 5*time.Millisecond)
}

// events returns the committed events of the given kinds, in order.
func (h *home) events(tb testing.TB, kinds ...event.Kind) []event.Event {
	tb.Helper()
	all, err := h.d.Store().Events(context.Background(), 0, 10000)
	require.NoError(tb, err)
	var out []event.Event
	for _, ev := range all {
		for _, k := range kinds {
			if ev.Kind == k {
				out = append(out, ev)
			}
		}
	}
	return out
}

// settle advances the fake clock until cond holds.
func (h *home) settle(tb testing.TB, cond func() bool) {
	tb.Helper()
	require.Eventually(tb, func() bool {
		h.clock.Advance(10 * time.Millisecond)
		return cond()
	}, 5*time.Second, time.Millisecond)
}

var allOK = map[string]event.Health{"button": event.HealthOK, "door": event.HealthOK, "smoke": event.HealthOK}

func TestBouncingPressGivesOneAlarm(t *testing.T) {
	h := startHome(t, nil)
	h.waitHealth(t, allOK)
	// Ten edges within 20 ms, ending pressed (the button is active low).
	for i := 0; i < 10; i++ {
		level := gpio.Low
		if i%2 == 1 {
			level = gpio.High
		}
		h.hw.Pins.Set("GPIO17", level)
		h.clock.Advance(2 * time.Millisecond)
	}
	h.hw.Pins.Set("GPIO17", gpio.Low)
	h.settle(t, func() bool { return len(h.events(t, event.AlarmRaised)) == 1 })
	// Released, pressed again while the alarm is active: still one alarm.
	h.hw.Pins.Set("GPIO17", gpio.High)
	h.clock.Advance(time.Second)
	h.hw.Pins.Set("GPIO17", gpio.Low)
	h.clock.Advance(time.Second)
	h.hw.Pins.Set("GPIO17", gpio.High)
	h.settle(t, func() bool {
		for _, s := range h.d.Pipeline().Health() {
			if s.ID == "button" && s.Last[gateway.QActive] == 0 {
				return true
			}
		}
		return false
	})
	alarms := h.events(t, event.AlarmRaised)
	require.Len(t, alarms, 1)
	a := alarms[0]
	require.Equal(t, "button", a.Sensor)
	require.Equal(t, event.Critical, a.Severity)
	require.Equal(t, "bedroom", a.Room)
	require.Equal(t, "call_button", a.SensorKind)
	require.Equal(t, a.ID, a.AlarmID)
}

func TestFlickerShorterThanDebounceRaisesNothing(t *testing.T) {
	h := startHome(t, nil)
	h.waitHealth(t, allOK)
	h.hw.Pins.Set("GPIO17", gpio.Low)
	h.clock.Advance(10 * time.Millisecond) // debounce is 20 ms
	h.hw.Pins.Set("GPIO17", gpio.High)
	h.settle(t, func() bool { return h.hw.Pins.Pin("GPIO17").Read() == gpio.High })
	for i := 0; i < 20; i++ {
		h.clock.Advance(50 * time.Millisecond)
	}
	// Nothing the flicker did can be waited for, so a real press and release
	// after it are the barrier: the pipeline takes one sensor's readings in
	// order, so once it has seen the release, whatever the flicker sent has
	// been committed. A flicker let through raises the alarm and the press
	// repeats it; debounced, the press raises the only alarm event.
	pressAt := h.clock.Now()
	h.hw.Pins.Set("GPIO17", gpio.Low)
	h.settle(t, func() bool { return h.button(t).Last[gateway.QActive] == 1 && !h.button(t).LastSeen.Before(pressAt) })
	h.clock.Advance(time.Second)
	releaseAt := h.clock.Now()
	h.hw.Pins.Set("GPIO17", gpio.High)
	h.settle(t, func() bool { return h.button(t).Last[gateway.QActive] == 0 && !h.button(t).LastSeen.Before(releaseAt) })
	alarms := h.events(t, event.AlarmRaised, event.AlarmRepeated)
	require.Len(t, alarms, 1, "the flicker raised an alarm: %+v", alarms)
	require.Equal(t, event.AlarmRaised, alarms[0].Kind)
	require.False(t, alarms[0].Time.Before(pressAt), "the alarm is the press's, not the flicker's")
}

// button is the call button's health as the pipeline keeps it.
func (h *home) button(tb testing.TB) gateway.SensorHealth {
	tb.Helper()
	for _, s := range h.d.Pipeline().Health() {
		if s.ID == "button" {
			return s
		}
	}
	tb.Fatal("no button in the pipeline's health")
	return gateway.SensorHealth{}
}

func TestDoorOpenedAndClosedGivesTwoEvents(t *testing.T) {
	h := startHome(t, func(hw *simhw.Hardware) { hw.Pins.Set("GPIO22", gpio.Low) }) // shut
	h.waitHealth(t, allOK)
	h.hw.Pins.Set("GPIO22", gpio.High) // reed contact opens
	h.settle(t, func() bool { return len(h.events(t, event.StateChange)) == 1 })
	h.hw.Pins.Set("GPIO22", gpio.Low)
	h.settle(t, func() bool { return len(h.events(t, event.StateChange)) == 2 })
	evs := h.events(t, event.StateChange)
	require.Equal(t, "door opened", evs[0].Message)
	require.Equal(t, "door closed", evs[1].Message)
	require.Less(t, evs[0].Seq, evs[1].Seq)
	for i := 0; i < 10; i++ {
		h.clock.Advance(time.Second)
	}
	require.Len(t, h.events(t, event.StateChange), 2)
}

func TestFailingPinIsOneFaultAndOthersGoOn(t *testing.T) {
	h := startHome(t, func(hw *simhw.Hardware) { hw.Pins.Break("GPIO27", nil) })
	h.waitHealth(t, map[string]event.Health{"button": event.HealthOK, "door": event.HealthOK, "smoke": event.HealthFault})
	// The driver retries every 10 s; a minute of retries is still one fault.
	for i := 0; i < 6; i++ {
		h.clock.Advance(10 * time.Second)
	}
	h.hw.Pins.Set("GPIO17", gpio.Low)
	h.settle(t, func() bool { return len(h.events(t, event.AlarmRaised)) == 1 })
	faults := h.events(t, event.SensorFault)
	require.Len(t, faults, 1)
	require.Equal(t, "smoke", faults[0].Sensor)
	require.Contains(t, faults[0].Message, "GPIO27")
	h.hw.Pins.Repair("GPIO27")
	h.settle(t, func() bool { return len(h.events(t, event.SensorRestored)) == 1 })
	require.Len(t, h.events(t, event.SensorFault), 1)
}

func TestSmokeLatchesAndSoundsSiren(t *testing.T) {
	h := startHome(t, nil)
	h.waitHealth(t, allOK)
	h.hw.Pins.Set("GPIO27", gpio.Low) // detector relay closes
	h.settle(t, func() bool { return len(h.events(t, event.AlarmRaised)) == 1 })
	require.Equal(t, gpio.High, h.hw.Pins.Level("GPIO5"), "siren on")
	h.hw.Pins.Set("GPIO27", gpio.High)
	h.hw.Pins.Set("GPIO27", gpio.Low)
	for i := 0; i < 10; i++ {
		h.clock.Advance(time.Second)
	}
	require.Len(t, h.events(t, event.AlarmRaised), 1, "latched: one alarm until reset")
}

func TestAcknowledgeLightsHelpComing(t *testing.T) {
	h := startHome(t, nil)
	h.waitHealth(t, allOK)
	h.hw.Pins.Set("GPIO17", gpio.Low)
	h.settle(t, func() bool { return len(h.events(t, event.AlarmRaised)) == 1 })
	require.Equal(t, gpio.Low, h.hw.Pins.Level("GPIO13"))
	alarm := h.events(t, event.AlarmRaised)[0]
	require.NoError(t, h.d.Pipeline().Acknowledge(context.Background(), alarm.ID))
	require.Equal(t, gpio.High, h.hw.Pins.Level("GPIO13"))
}

func TestActiveAlarmSurvivesRestart(t *testing.T) {
	h := startHome(t, nil)
	h.waitHealth(t, allOK)
	h.hw.Pins.Set("GPIO27", gpio.Low)
	h.settle(t, func() bool { return len(h.events(t, event.AlarmRaised)) == 1 })
	before, err := h.d.Pipeline().ActiveAlarms(context.Background())
	require.NoError(t, err)
	require.Len(t, before, 1)

	h = h.restart(t, func(hw *simhw.Hardware) { hw.Pins.Set("GPIO27", gpio.High) }) // the smoke has cleared
	h.waitHealth(t, allOK)
	after, err := h.d.Pipeline().ActiveAlarms(context.Background())
	require.NoError(t, err)
	require.Equal(t, before, after, "the same alarm, under the same id, is active after the restart")
}

// An output that cannot be opened is a fault the center hears of, named,
// and the self-test lists it as failed; the other outputs and the sensors
// work on.
func TestBrokenOutputIsAFault(t *testing.T) {
	h := startHome(t, func(hw *simhw.Hardware) { hw.Pins.Break("GPIO5", errors.New("pin claimed by another process")) })
	h.waitHealth(t, allOK)
	require.Eventually(t, func() bool { return len(h.events(t, event.SensorFault)) == 1 }, 5*time.Second, 5*time.Millisecond)
	f := h.events(t, event.SensorFault)[0]
	require.Equal(t, "siren", f.Sensor)
	require.Equal(t, event.High, f.Severity)
	require.Contains(t, f.Message, "pin claimed by another process")
	got := map[string]bool{}
	for _, o := range h.d.Outputs() {
		got[o.ID] = o.OK
	}
	require.Equal(t, map[string]bool{"siren": false, "led-help": true}, got)
}
