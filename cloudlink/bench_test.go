package cloudlink

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/jonboulle/clockwork"

	"github.com/safehub-iot/safehub/cloudlink/brokertest"
	"github.com/safehub-iot/safehub/cloudlink/protocol"
	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
)

// benchSub is a QoS 1 subscriber that signals each message id it gets.
type benchSub struct {
	c    paho.Client
	mu   sync.Mutex
	wait map[string]chan time.Time
	n    int
	all  chan struct{}
	want int
}

func newBenchSub(tb testing.TB, url, filter string, want int) *benchSub {
	tb.Helper()
	s := &benchSub{wait: map[string]chan time.Time{}, all: make(chan struct{}), want: want}
	o := paho.NewClientOptions().AddBroker(url).SetClientID(fmt.Sprintf("bench-sub-%d", time.Now().UnixNano())).SetOrderMatters(true)
	s.c = paho.NewClient(o)
	if tok := s.c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		tb.Fatalf("bench subscriber: %v", tok.Error())
	}
	tb.Cleanup(func() { s.c.Disconnect(0) })
	if tok := s.c.Subscribe(filter, 1, s.on); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		tb.Fatalf("bench subscribe: %v", tok.Error())
	}
	return s
}

func (s *benchSub) on(_ paho.Client, m paho.Message) {
	at := time.Now()
	id, isEvent := string(m.Payload()), false
	if ev, err := protocol.DecodeEvent(m.Payload()); err == nil {
		id, isEvent = ev.ID, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ch, ok := s.wait[id]; ok {
		ch <- at
		delete(s.wait, id)
	}
	if !isEvent {
		return
	}
	s.n++
	if s.n == s.want {
		close(s.all)
	}
}

func (s *benchSub) expect(id string) chan time.Time {
	ch := make(chan time.Time, 1)
	s.mu.Lock()
	s.wait[id] = ch
	s.mu.Unlock()
	return ch
}

func clockReal() gateway.Clock { return clockwork.NewRealClock() }

func percentiles(d []time.Duration) (p50, p99 time.Duration) {
	slices.Sort(d)
	return d[len(d)*50/100], d[min(len(d)-1, len(d)*99/100)]
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// BenchmarkLatency measures, over a real broker on loopback and in the same
// run: the broker's raw QoS 1 figures for one publish (publish to PUBACK,
// the QoS 1 round trip, "raw-puback"; publish to a subscriber's receipt,
// "raw"), and the time from an alarm entering the pipeline (Pipeline.Exec)
// to the subscriber's receipt, through the fsynced commit, the outbox and
// the link ("event").
//
// It also measures the floor of any link that commits an event before
// publishing it: a bare 4 KiB write and fsync in a file beside the store
// ("fsync"), then a raw publish to the subscriber ("floor" is the two
// together). The probe runs between the events, spaced like them (an
// fsync right after another one is several times faster on this machine's
// disk than one after a pause, so a probe run back to back would flatter
// the floor). Figures: p50/p99 in µs, and the ratios of the event p99 and
// the floor p99 to the raw p99.
func BenchmarkLatency(b *testing.B) {
	for _, kind := range brokertest.Kinds {
		b.Run(kind, func(b *testing.B) {
			br := brokertest.Start(b, kind)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()

			// Raw round trip.
			sub := newBenchSub(b, br.URL(), "bench/raw", -1)
			pub := paho.NewClient(paho.NewClientOptions().AddBroker(br.URL()).SetClientID("bench-pub"))
			if tok := pub.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
				b.Fatalf("bench publisher: %v", tok.Error())
			}
			defer pub.Disconnect(0)

			// The box: store, pipeline, link.
			st := openStore(b)
			p := gateway.NewPipeline(gateway.PipelineConfig{Site: testSite, Store: st, Evaluator: gateway.NewBuiltinRules(nil), Clock: clockReal(), Log: quietLog()})
			go p.Run(ctx)
			wake, unsub := p.Subscribe(256)
			defer unsub()
			l := runLink(b, testConfig(br.URL()), Deps{Store: st, Wake: wake})
			requireConnected(b, l, true)
			evSub := newBenchSub(b, br.URL(), protocol.Filter(protocol.Alarm), -1)

			probe := newFsyncProbe(b)
			fsyncs := make([]time.Duration, 0, b.N)
			floor := make([]time.Duration, 0, b.N)
			raw := make([]time.Duration, 0, b.N)
			puback := make([]time.Duration, 0, b.N)
			ev := make([]time.Duration, 0, b.N)
			afterCommit := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				id := fmt.Sprintf("raw-%d", i)
				got := sub.expect(id)
				t0 := time.Now()
				tok := pub.Publish("bench/raw", 1, false, id)
				tok.Wait()
				acked := time.Now()
				if err := tok.Error(); err != nil {
					b.Fatalf("raw publish: %v", err)
				}
				puback = append(puback, acked.Sub(t0))
				raw = append(raw, (<-got).Sub(t0))

				id = event.NewID()
				got = evSub.expect(id)
				t0 = time.Now()
				err := p.Exec(ctx, func(time.Time, gateway.Evaluator) []gateway.Action {
					return []gateway.Action{{Event: &event.Event{ID: id, Kind: event.AlarmRaised, Severity: event.Critical, Rule: "bench", Sensor: id}}}
				})
				t1 := time.Now()
				if err != nil {
					b.Fatalf("pipeline: %v", err)
				}
				at := <-got
				ev = append(ev, at.Sub(t0))
				afterCommit = append(afterCommit, at.Sub(t1))

				// Clear it again, untimed, as the home would once help
				// arrived: a box holds a handful of active alarms, not b.N.
				b.StopTimer()
				cleared := evSub.expect(id + "-clear")
				if err := p.Exec(ctx, func(time.Time, gateway.Evaluator) []gateway.Action {
					return []gateway.Action{{Event: &event.Event{ID: id + "-clear", Kind: event.AlarmCleared, Severity: event.Info, Rule: "bench", Sensor: id}}}
				}); err != nil {
					b.Fatalf("pipeline: %v", err)
				}
				<-cleared

				// The floor: commit as bare as can be, then publish.
				id = fmt.Sprintf("floor-%d", i)
				got = sub.expect(id)
				t0 = time.Now()
				probe.sync(b, i)
				synced := time.Now()
				if tok := pub.Publish("bench/raw", 1, false, id); tok.Wait() && tok.Error() != nil {
					b.Fatalf("floor publish: %v", tok.Error())
				}
				floor = append(floor, (<-got).Sub(t0))
				fsyncs = append(fsyncs, synced.Sub(t0))
				b.StartTimer()
			}
			b.StopTimer()
			r50, r99 := percentiles(raw)
			a50, a99 := percentiles(puback)
			e50, e99 := percentiles(ev)
			c50, c99 := percentiles(afterCommit)
			b.ReportMetric(us(r50), "raw-p50-µs")
			b.ReportMetric(us(r99), "raw-p99-µs")
			b.ReportMetric(us(a50), "raw-puback-p50-µs")
			b.ReportMetric(us(a99), "raw-puback-p99-µs")
			b.ReportMetric(us(e50), "event-p50-µs")
			b.ReportMetric(us(e99), "event-p99-µs")
			b.ReportMetric(us(c50), "commit-to-sub-p50-µs")
			b.ReportMetric(us(c99), "commit-to-sub-p99-µs")
			f50, f99 := percentiles(fsyncs)
			b.ReportMetric(us(f50), "fsync-p50-µs")
			b.ReportMetric(us(f99), "fsync-p99-µs")
			l50, l99 := percentiles(floor)
			b.ReportMetric(us(l50), "floor-p50-µs")
			b.ReportMetric(us(l99), "floor-p99-µs")
			b.ReportMetric(float64(e99)/float64(r99), "p99-ratio")
			b.ReportMetric(float64(e99)/float64(a99), "p99-ratio-puback")
			b.ReportMetric(float64(l99)/float64(r99), "floor-p99-ratio")
		})
	}
}

// fsyncProbe is a file of its own in a temporary directory on the same
// file system as the store, for timing a bare 4 KiB write and fsync.
type fsyncProbe struct {
	f    *os.File
	page []byte
}

func newFsyncProbe(b *testing.B) *fsyncProbe {
	b.Helper()
	f, err := os.Create(filepath.Join(b.TempDir(), "fsync-probe"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	return &fsyncProbe{f: f, page: make([]byte, 4096)}
}

// sync writes the i-th page (of a ring of 256) and fsyncs the file.
func (p *fsyncProbe) sync(b *testing.B, i int) {
	if _, err := p.f.WriteAt(p.page, int64(i%256)*4096); err != nil {
		b.Fatal(err)
	}
	if err := p.f.Sync(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkDrain measures how fast a backlog of 10,000 committed events
// (one alarm in ten, the rest telemetry) reaches a subscriber once the
// broker can be reached: from the link's start, connect included.
func BenchmarkDrain(b *testing.B) {
	const backlog = 10000
	for _, kind := range brokertest.Kinds {
		b.Run(kind, func(b *testing.B) {
			var total time.Duration
			for range b.N {
				b.StopTimer()
				br := brokertest.Start(b, kind)
				st := openStore(b)
				evs := make([]*event.Event, backlog)
				for i := range evs {
					k := event.StateChange
					if i%10 == 0 {
						k = event.AlarmRaised
					}
					id := event.NewID()
					evs[i] = &event.Event{ID: id, AlarmID: id, Kind: k, Severity: event.Info, Sensor: fmt.Sprint(i), Time: time.Now()}
				}
				if err := st.Append(context.Background(), evs...); err != nil {
					b.Fatal(err)
				}
				sub := newBenchSub(b, br.URL(), fmt.Sprintf("safehub/v1/%s/+", testSite), backlog)
				b.StartTimer()
				t0 := time.Now()
				runLink(b, testConfig(br.URL()), Deps{Store: st})
				select {
				case <-sub.all:
				case <-time.After(60 * time.Second):
					b.Fatalf("backlog not drained in 60s")
				}
				total += time.Since(t0)
			}
			per := total / time.Duration(b.N)
			b.ReportMetric(per.Seconds(), "s/10k-backlog")
			b.ReportMetric(backlog/per.Seconds(), "events/s")
		})
	}
}
