package store_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway/store"
)

// BenchmarkCommit measures one fsynced commit of an alarm and its state
// record, the box's floor for event latency. Figures: p50/p99 in µs.
func BenchmarkCommit(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "box.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	d := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		ev := &event.Event{Kind: event.AlarmRaised, Severity: event.Critical, Sensor: "button", Rule: "bench", Time: time.Now()}
		t0 := time.Now()
		if err := st.Commit(ctx, []*event.Event{ev}, map[string][]byte{"active": []byte{byte(i)}}); err != nil {
			b.Fatal(err)
		}
		d = append(d, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(d)
	b.ReportMetric(float64(d[len(d)/2])/1e3, "p50-µs")
	b.ReportMetric(float64(d[len(d)*90/100])/1e3, "p90-µs")
	b.ReportMetric(float64(d[len(d)*99/100])/1e3, "p99-µs")

}
