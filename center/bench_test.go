package center

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/safehub-iot/safehub/center/alarmdb"
)

// BenchmarkAlarmToStore measures one alarm from a home's MQTT publish, through
// the embedded broker, to the center's database (OnAlarm), one at a time;
// it reports the median and 99th percentile as custom metrics.
func BenchmarkAlarmToStore(b *testing.B) {
	got := make(chan time.Time, 1)
	c := startCenter(b, Config{OnAlarm: func(a alarmdb.Alarm) { got <- time.Now() }})
	h := newHome(b, c.BrokerURL(), "bench-1")
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		h.publish(b, alarm("bench-1", int64(i+1), start))
		lat = append(lat, (<-got).Sub(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkBurst sends 1,000 alarms from 100 homes at once and waits until
// all are stored; ns/op is per burst.
func BenchmarkBurst(b *testing.B) {
	const homes, perHome = 100, 10
	var mu sync.Mutex
	var n int
	done := make(chan struct{}, 1)
	c := startCenter(b, Config{OnAlarm: func(alarmdb.Alarm) {
		mu.Lock()
		n++
		if n%(homes*perHome) == 0 {
			done <- struct{}{}
		}
		mu.Unlock()
	}})
	hs := make([]*home, homes)
	for i := range hs {
		hs[i] = newHome(b, c.BrokerURL(), fmt.Sprintf("burst-%03d", i))
	}
	b.ResetTimer()
	for r := 0; r < b.N; r++ {
		now := time.Now()
		var wg sync.WaitGroup
		for _, h := range hs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for s := 1; s <= perHome; s++ {
					h.publish(b, alarm(h.site, int64(r*perHome+s), now))
				}
			}()
		}
		wg.Wait()
		<-done
	}
}
