package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
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

// tracker pairs each button edge with the alarm stored at the center.
type tracker struct {
	mu      sync.Mutex
	edges   map[string][]time.Time // by site, oldest first
	presses map[string]int         // by site, all so far
	lat     latencies
	parts   breakdown
	dup     int
	arrived chan struct{}
}

// breakdown splits edge→console at the alarm's two timestamps (one clock:
// homes and center share the process): the box's event time, after the
// debounce and the rules; the center's receive time, in its MQTT callback.
type breakdown struct {
	edgeToEvent, eventToReceived, receivedToStored latencies
}

func (b breakdown) String() string {
	return fmt.Sprintf("edge→box event %s; box event→center receive %s; center receive→stored %s",
		b.edgeToEvent, b.eventToReceived, b.receivedToStored)
}

func newTracker() *tracker {
	return &tracker{edges: map[string][]time.Time{}, presses: map[string]int{}, arrived: make(chan struct{}, 1)}
}

func (t *tracker) pressed(site string, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.edges[site] = append(t.edges[site], at)
	t.presses[site]++
}

// stored is the center's OnAlarm hook: called once per alarm, after it is
// stored.
func (t *tracker) stored(a alarmdb.Alarm) {
	now := time.Now()
	t.mu.Lock()
	q := t.edges[a.Site]
	if len(q) == 0 {
		t.dup++ // an alarm nobody pressed for: must not happen
	} else {
		t.lat = append(t.lat, now.Sub(q[0]))
		t.parts.edgeToEvent = append(t.parts.edgeToEvent, a.Raised.Sub(q[0]))
		t.parts.eventToReceived = append(t.parts.eventToReceived, a.Received.Sub(a.Raised))
		t.parts.receivedToStored = append(t.parts.receivedToStored, now.Sub(a.Received))
		t.edges[a.Site] = q[1:]
	}
	t.mu.Unlock()
	select {
	case t.arrived <- struct{}{}:
	default:
	}
}

// take returns the latencies so far, and their breakdown, and starts a new
// series.
func (t *tracker) take() (latencies, breakdown) {
	t.mu.Lock()
	defer t.mu.Unlock()
	l, b := t.lat, t.parts
	t.lat, t.parts = nil, breakdown{}
	return l, b
}

func (t *tracker) pending() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, q := range t.edges {
		n += len(q)
	}
	return n
}

// bySite returns, by site, the presses whose alarm is not stored yet (for
// sites with any) and all presses.
func (t *tracker) bySite() (pending, presses map[string]int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	pending, presses = map[string]int{}, map[string]int{}
	for s, q := range t.edges {
		if len(q) > 0 {
			pending[s] = len(q)
		}
	}
	for s, n := range t.presses {
		presses[s] = n
	}
	return pending, presses
}

func (t *tracker) dups() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.dup
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
