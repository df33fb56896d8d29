package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/safehub-iot/safehub/center"
	"github.com/safehub-iot/safehub/center/alarmdb"
	"github.com/safehub-iot/safehub/firmware-sim/district"
	"github.com/safehub-iot/safehub/internal/cli"
	"github.com/safehub-iot/safehub/internal/mosquitto"
)

// cmdDistrict runs N homes against a broker with the center in-process
// and prints the figures docs/benchmarks.md records.
func cmdDistrict(ctx context.Context, f districtFlags, stdout, stderr io.Writer) error {
	log, err := newLogger(stderr, f.logLevel)
	if err != nil {
		return err
	}
	limit, err := raiseFileLimit()
	if err != nil {
		return fmt.Errorf("raise open-files limit: %w", err)
	}
	dir, err := os.MkdirTemp("", "safehub-district-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	store := "in-memory SQLite per home"
	if f.disk {
		store = "SQLite file per home in " + dir
	}
	fmt.Fprintf(stdout, "district: %d homes (%s), heartbeat %v, storm %d alarms at %g/s held %v, GOMAXPROCS %d, open-files limit %d\n",
		f.homes, store, f.heartbeat, f.alarms, f.rate, f.hold, runtime.GOMAXPROCS(0), limit)

	var mq *mosquitto.Broker
	if f.mosquitto != "" {
		if mq, err = startMosquitto(f.mosquitto, dir); err != nil {
			return err
		}
		defer mq.Stop()
	}
	tr := newTracker()
	ccfg := center.Config{DBPath: filepath.Join(dir, "center.db"), HTTPAddr: "127.0.0.1:0", MQTTAddr: "127.0.0.1:0",
		HeartbeatLimit: 3 * f.heartbeat, OnAlarm: tr.stored, ShareGroup: f.shareGroup, Log: log.With("component", "center")}
	if mq != nil {
		ccfg.BrokerURL = mq.URL()
	}
	c, err := center.Start(ctx, ccfg)
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c.Close(cctx)
	}()
	brokerURL := c.BrokerURL()
	fmt.Fprintf(stdout, "broker: %s (%s)\n", brokerURL, map[bool]string{true: "mosquitto " + f.mosquitto, false: "center's embedded mochi"}[mq != nil])

	runtime.GC()
	rss0, _ := rssBytes(os.Getpid())
	began := time.Now()
	dcfg := district.Config{Homes: f.homes, BrokerURL: brokerURL, Heartbeat: f.heartbeat, Log: log.With("component", "home")}
	if f.disk {
		dcfg.StoreDir = filepath.Join(dir, "homes")
		if err := os.MkdirAll(dcfg.StoreDir, 0o750); err != nil {
			return err
		}
	}
	d, err := district.Start(ctx, dcfg)
	if err != nil {
		return err
	}
	defer closeWithin(stderr, d, time.Minute)
	wctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	err = d.WaitConnected(wctx, 200*time.Millisecond)
	cancel()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "connected: %d homes in %.1f s\n", f.homes, time.Since(began).Seconds())
	runtime.GC()
	rss1, _ := rssBytes(os.Getpid())
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(stdout, "memory: process RSS %.0f MiB for %d homes + center = %.1f KiB per home (Go heap in use %.1f KiB per home, %d goroutines)\n",
		float64(rss1)/(1<<20), f.homes, float64(rss1-rss0)/1024/float64(f.homes), float64(ms.HeapInuse)/1024/float64(f.homes), runtime.NumGoroutine())
	if mq != nil {
		if r, err := rssBytes(mq.Pid()); err == nil {
			fmt.Fprintf(stdout, "memory: mosquitto RSS %.0f MiB\n", float64(r)/(1<<20))
		}
	}
	if f.idle > 0 {
		if err := measureIdle(ctx, stdout, f.idle, mq); err != nil {
			return err
		}
	}
	if f.rtt > 0 {
		rtt, err := brokerRTT(brokerURL, f.rtt)
		if err != nil {
			return fmt.Errorf("raw broker round trip: %w", err)
		}
		fmt.Fprintf(stdout, "raw broker QoS 1 publish→PUBACK round trip: %s\n", rtt)
	}
	stopProfile, err := startCPUProfile(f.cpuProfile)
	if err != nil {
		return err
	}
	err = storm(ctx, stdout, d, c.DB(), tr, f, mq, "storm")
	stopProfile()
	if err != nil {
		return err
	}
	if f.outage > 0 {
		if err := outage(ctx, stdout, d, c.DB(), tr, f, mq); err != nil {
			return err
		}
	}
	alarms, err := c.DB().Alarms(ctx, alarmdb.Filter{})
	if err != nil {
		return err
	}
	want := f.alarms
	if f.outage > 0 {
		want += f.outageAlarms
	}
	fmt.Fprintf(stdout, "console: %d alarms stored for %d raised (duplicates %d, lost %d)\n", len(alarms), want, tr.dups(), max(want-len(alarms), 0))
	if len(alarms) != want {
		return cli.WithCode(exitFailed, fmt.Errorf("%d alarms raised, %d in the console", want, len(alarms)))
	}
	return nil
}

// press raises n alarms at rate per second, spread over the homes, each
// button released after hold.
func press(ctx context.Context, d *district.District, tr *tracker, n int, rate float64, first int, hold time.Duration) {
	tick := time.Duration(float64(time.Second) / rate)
	next := time.Now()
	var wg sync.WaitGroup
	for k := range n {
		if ctx.Err() != nil {
			break
		}
		h := d.Homes[(first+k)%len(d.Homes)]
		tr.pressed(h.Site, time.Now())
		h.Pins.Set(district.ButtonPin, gpio.Low)
		wg.Add(1)
		time.AfterFunc(hold, func() { defer wg.Done(); h.Release() })
		next = next.Add(tick)
		if w := time.Until(next); w > 0 {
			time.Sleep(w)
		}
	}
	wg.Wait()
}

// waitAll waits until every pressed alarm is in the console or limit
// passes, and returns when the last one arrived.
func waitAll(ctx context.Context, tr *tracker, limit time.Duration) (time.Time, bool) {
	deadline := time.After(limit)
	last := time.Now()
	for tr.pending() > 0 {
		select {
		case <-ctx.Done():
			return last, false
		case <-deadline:
			return last, false
		case <-tr.arrived:
			last = time.Now()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return last, true
}

func storm(ctx context.Context, out io.Writer, d *district.District, db *alarmdb.DB, tr *tracker, f districtFlags, mq *mosquitto.Broker, name string) error {
	self, _ := startCPU(os.Getpid())
	var broker *cpuMeter
	if mq != nil {
		broker, _ = startCPU(mq.Pid())
	}
	began := time.Now()
	press(ctx, d, tr, f.alarms, f.rate, 0, f.hold)
	pressDone := time.Since(began)
	_, ok := waitAll(ctx, tr, f.settle)
	p, _ := self.percent()
	lat, parts := tr.take()
	fmt.Fprintf(out, "%s: %d alarms pressed in %.1f s; edge→console %s; lost %d\n", name, f.alarms, pressDone.Seconds(), lat, tr.pending())
	fmt.Fprintf(out, "%s breakdown: %s\n", name, parts)
	fmt.Fprintf(out, "%s CPU: homes+center process %.0f%% of a core", name, p)
	if broker != nil {
		b, _ := broker.percent()
		fmt.Fprintf(out, ", mosquitto %.0f%% of a core", b)
	}
	fmt.Fprintln(out)
	if !ok {
		raised, err1 := d.Raised(ctx)
		unsent, err2 := d.Unsent(ctx)
		if err := errors.Join(err1, err2); err != nil {
			return err
		}
		fmt.Fprintf(out, "%s: after %v, the homes had raised %d alarms for %d presses, %d events still unsent in their outboxes\n", name, f.settle, raised, f.alarms, unsent)
		m, err := diagnoseMissing(ctx, d, tr, db)
		if err != nil {
			return err
		}
		printMissing(out, name, m)
		return cli.WithCode(exitFailed, fmt.Errorf("%s: %d alarms not in the console after %v", name, tr.pending(), f.settle))
	}
	return nil
}

func outage(ctx context.Context, out io.Writer, d *district.District, db *alarmdb.DB, tr *tracker, f districtFlags, mq *mosquitto.Broker) error {
	fmt.Fprintf(out, "outage: stopping mosquitto for %v, %d alarms raised meanwhile\n", f.outage, f.outageAlarms)
	down := time.Now()
	if err := mq.Stop(); err != nil {
		return err
	}
	rate := float64(f.outageAlarms) / max(f.outage.Seconds()/2, 1)
	press(ctx, d, tr, f.outageAlarms, rate, f.alarms, f.hold)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Until(down.Add(f.outage))):
	}
	unsent, _ := d.Unsent(ctx)
	fmt.Fprintf(out, "outage: %d events waiting in the homes' outboxes\n", unsent)
	if err := mq.Restart(); err != nil {
		return err
	}
	up := time.Now()
	stop := make(chan struct{})
	go func() { // progress: where the missing alarms are
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				unsent, _ := d.Unsent(ctx)
				fmt.Fprintf(out, "recovery: +%2.0f s: %d alarms not yet in the console, %d homes connected, %d events unsent in their outboxes\n",
					time.Since(up).Seconds(), tr.pending(), d.Connected(), unsent)
			}
		}
	}()
	last, ok := waitAll(ctx, tr, f.settle)
	close(stop)
	tr.take()
	fmt.Fprintf(out, "recovery: every queued alarm in the console %.1f s after the broker came back; lost %d\n", last.Sub(up).Seconds(), tr.pending())
	if !ok {
		m, err := diagnoseMissing(ctx, d, tr, db)
		if err != nil {
			return err
		}
		printMissing(out, "recovery", m)
		return cli.WithCode(exitFailed, fmt.Errorf("recovery: %d alarms not in the console after %v", tr.pending(), f.settle))
	}
	return nil
}

// closeWithin stops the homes but gives up waiting after limit, so a
// benchmark's figures are never held back by a slow shutdown of thousands
// of homes (the process is exiting anyway).
func closeWithin(w io.Writer, d *district.District, limit time.Duration) {
	done := make(chan error, 1)
	go func() { done <- d.Close() }()
	select {
	case err := <-done:
		if err != nil {
			fmt.Fprintln(w, "district: close:", err)
		}
	case <-time.After(limit):
		fmt.Fprintf(w, "district: homes still stopping after %v; exiting anyway\n", limit)
	}
}
