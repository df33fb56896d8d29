package alarmdb

import (
	"context"
	"fmt"
	"testing"

	"github.com/safehub-iot/safehub/event"
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
				batch = append(batch, alarmEvent(site, seq[site], event.Critical))
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

// BenchmarkStoreDistrict stores alarms as the ingest loop does during a
// district storm: each with its sighting, from 10,000 homes in turn, into
// a database that already holds 50,000 of them, with time-ordered event
// ids (UUIDv7) as boxes make them. ns/op is per alarm.
func BenchmarkStoreDistrict(b *testing.B) {
	const homes, stored = 10000, 50000
	for _, size := range []int{1, 50, 500} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			db, _ := openTest(b)
			ctx := context.Background()
			seq := map[string]int64{}
			next := 0
			msg := func() Message {
				site := fmt.Sprintf("home-%05d", (next*7919)%homes) // every home in turn, in no order
				next++
				seq[site]++
				in := alarmEvent(site, seq[site], event.Critical)
				in.Event.ID = event.NewID()
				in.Event.AlarmID = in.Event.ID
				return Message{Event: &in, Sighting: &Sighting{Site: site, At: in.Received}}
			}
			batch := make([]Message, 0, 500)
			for range stored {
				batch = append(batch, msg())
				if len(batch) == cap(batch) {
					if _, err := db.Store(ctx, batch); err != nil {
						b.Fatal(err)
					}
					batch = batch[:0]
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				batch = append(batch, msg())
				if len(batch) == size || i == b.N-1 {
					if _, err := db.Store(ctx, batch); err != nil {
						b.Fatal(err)
					}
					batch = batch[:0]
				}
			}
		})
	}
}
