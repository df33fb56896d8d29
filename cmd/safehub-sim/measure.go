package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/safehub-iot/safehub/internal/mosquitto"
)

// startCPUProfile starts a CPU profile to path (none if path is empty)
// and returns the function that stops it.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	out, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(out); err != nil {
		out.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		out.Close()
	}, nil
}

func measureIdle(ctx context.Context, out io.Writer, d time.Duration, mq *mosquitto.Broker) error {
	self, err := startCPU(os.Getpid())
	if err != nil {
		return err
	}
	var broker *cpuMeter
	if mq != nil {
		if broker, err = startCPU(mq.Pid()); err != nil {
			return err
		}
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
	}
	p, _ := self.percent()
	fmt.Fprintf(out, "idle (heartbeats only, %v): homes+center process %.1f%% of a core", d, p)
	if broker != nil {
		b, _ := broker.percent()
		fmt.Fprintf(out, ", mosquitto %.1f%% of a core", b)
	}
	fmt.Fprintln(out)
	return nil
}

// brokerRTT publishes n QoS 1 messages one after another and times each
// publish until its PUBACK: the floor under any alarm's latency.
func brokerRTT(url string, n int) (latencies, error) {
	const site = "rtt-probe"
	opts := paho.NewClientOptions().AddBroker(url).SetClientID("safehub-sim-rtt").SetUsername(site).SetCleanSession(true)
	cl := paho.NewClient(opts)
	if t := cl.Connect(); !t.WaitTimeout(10*time.Second) || t.Error() != nil {
		return nil, fmt.Errorf("connect %s: %v", url, t.Error())
	}
	defer cl.Disconnect(100)
	topic := "safehub/v1/" + site + "/cmd/reply"
	out := make(latencies, 0, n)
	for range n {
		t0 := time.Now()
		t := cl.Publish(topic, 1, false, []byte(`{}`))
		if !t.WaitTimeout(10*time.Second) || t.Error() != nil {
			return nil, fmt.Errorf("publish: %v", t.Error())
		}
		out = append(out, time.Since(t0))
	}
	return out, nil
}
