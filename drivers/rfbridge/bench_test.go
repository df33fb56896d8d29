package rfbridge_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/safehub-iot/safehub/drivers/rfbridge"
	"github.com/safehub-iot/safehub/firmware-sim/serialsim"
	"github.com/safehub-iot/safehub/gateway"
)

type pressEmitter chan struct{}

func (c pressEmitter) Reading(r gateway.Reading) {
	if r.Quantity == gateway.QPress {
		c <- struct{}{}
	}
}
func (pressEmitter) Status(gateway.Status) {}

// BenchmarkPressLatency measures from the bridge writing a burst of 5
// repeats of a pendant code on the pty to the one press reading. The fake
// clock moves past the repeat window between iterations.
func BenchmarkPressLatency(b *testing.B) {
	sim, err := serialsim.NewRFBridge()
	if err != nil {
		b.Fatal(err)
	}
	defer sim.Close()
	clock := clockwork.NewFakeClock()
	o := rfbridge.DefaultOptions()
	o.Port, o.Address, o.Events, o.CheckIn = sim.Path(), pendant, map[string]uint8{"press": 3}, time.Hour
	s, err := rfbridge.Open(gateway.Env{HW: serialHW{}, Clock: clock}, "p", o)
	if err != nil {
		b.Fatal(err)
	}
	out := make(pressEmitter, 4)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx, out)
	acks := 0
	for b.Loop() {
		acks += 5
		if err := sim.Send(press, 5); err != nil {
			b.Fatal(err)
		}
		<-out
		b.StopTimer()
		for sim.Acks() < acks { // let the burst finish before moving time
			runtime.Gosched()
		}
		clock.Advance(2 * time.Second)
		b.StartTimer()
	}
}

func BenchmarkScanner(b *testing.B) {
	var stream []byte
	for range 100 {
		stream = rfbridge.AppendCode(stream, 9000, 280, 900, press)
	}
	var s rfbridge.Scanner
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		s.Feed(stream, func(rfbridge.Frame) {})
	}
}
