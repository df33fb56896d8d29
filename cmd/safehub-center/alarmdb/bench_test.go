package alarmdb

import (
	"context"
	"fmt"
	"testing"

	"github.com/safehub-iot/safehub/gateway"
)

// BenchmarkIngest stores batches of new alarms from 100 homes; ns/op is per
// alarm, including its share of the batch's fsynced commit.
func BenchmarkIngest(b *testing.B) {
	for _, size := range []int{1, 50, 500} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			db, _ := openTest(b)
			ctx := context.Background()
			seq := map[string]int64{}
			batch := make([]Incoming, 0, size)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				site := fmt.Sprintf("home-%03d", i%100)
				seq[site]++
				batch = append(batch, alarmEvent(site, seq[site], gateway.Critical))
				if len(batch) == size || i == b.N-1 {
					if _, err := db.Ingest(ctx, batch); err != nil {
						b.Fatal(err)
					}
					batch = batch[:0]
				}
			}
		})
	}
}
