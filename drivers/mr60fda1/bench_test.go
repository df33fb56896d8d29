package mr60fda1_test

import (
	"context"
	"testing"

	"github.com/jonboulle/clockwork"

	"github.com/safehub-iot/safehub/drivers/mr60fda1"
	"github.com/safehub-iot/safehub/firmware-sim/serialsim"
	"github.com/safehub-iot/safehub/gateway"
)

// chanEmitter passes fall readings to a channel.
type chanEmitter chan float64

func (c chanEmitter) Reading(r gateway.Reading) {
	if r.Quantity == gateway.QFall {
		c <- r.Value
	}
}
func (chanEmitter) Status(gateway.Status) {}

// BenchmarkFallLatency measures from the radar writing a fall-state frame
// on the pty to the driver reporting it, through tarm/serial.
func BenchmarkFallLatency(b *testing.B) {
	sim, err := serialsim.NewRadar()
	if err != nil {
		b.Fatal(err)
	}
	defer sim.Close()
	o := mr60fda1.DefaultOptions()
	o.Port = sim.Path()
	drv, err := mr60fda1.Open(gateway.Env{HW: serialHW{}, Clock: clockwork.NewRealClock()}, "r", o)
	if err != nil {
		b.Fatal(err)
	}
	out := make(chanEmitter, 4)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go drv.Run(ctx, out)
	<-out // start-up state
	fall := true
	for b.Loop() {
		if fall {
			err = sim.Fall()
		} else {
			err = sim.Recover()
		}
		if err != nil {
			b.Fatal(err)
		}
		<-out
		fall = !fall
	}
}
