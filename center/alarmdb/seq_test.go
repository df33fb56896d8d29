package alarmdb

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/event"
)

// seqStep is one message of a home in a sequence test: an event with Seq,
// or (hb) a heartbeat reporting last_seq Seq with outbox outbox.
type seqStep struct {
	seq    int64
	hb     bool
	outbox int
}

func TestSequenceTracking(t *testing.T) {
	type gap struct{ from, to int64 }
	ev := func(s int64) seqStep { return seqStep{seq: s} }
	hb := func(s int64, outbox int) seqStep { return seqStep{seq: s, hb: true, outbox: outbox} }
	tests := []struct {
		name     string
		window   int64 // 0: the default
		steps    []seqStep
		wantGaps []gap
		wantMax  int64
		wantJump int // open seq_jump maintenance items
	}{
		{name: "in order", steps: []seqStep{ev(1), ev(2)}, wantMax: 2},
		{name: "heartbeat shows the last event lost", steps: []seqStep{ev(1), ev(2), hb(3, 0)}, wantGaps: []gap{{3, 3}}, wantMax: 3},
		{name: "heartbeat shows several lost", steps: []seqStep{ev(1), hb(4, 0)}, wantGaps: []gap{{2, 4}}, wantMax: 4},
		{name: "heartbeat with a draining outbox waits", steps: []seqStep{ev(1), hb(3, 2)}, wantMax: 1},
		{name: "heartbeat behind the events", steps: []seqStep{ev(1), ev(2), hb(1, 0)}, wantMax: 2},
		{name: "replay after heartbeat fills the gap", steps: []seqStep{ev(1), hb(3, 0), ev(3), ev(2)}, wantMax: 3},
		{name: "max int64 after normal events", steps: []seqStep{ev(1), ev(2), ev(math.MaxInt64)}, wantMax: 2, wantJump: 1},
		{name: "two absurd events, one item", steps: []seqStep{ev(1), ev(math.MaxInt64), ev(math.MaxInt64 - 1), ev(2)}, wantMax: 2, wantJump: 1},
		{name: "absurd heartbeat", steps: []seqStep{ev(1), hb(math.MaxInt64, 0), ev(2)}, wantMax: 2, wantJump: 1},
		{name: "absurd first event is the baseline", steps: []seqStep{ev(math.MaxInt64)}, wantMax: math.MaxInt64, wantJump: 1},
		{name: "jump within the window", window: 10, steps: []seqStep{ev(1), ev(11)}, wantGaps: []gap{{2, 10}}, wantMax: 11},
		{name: "jump past the window", window: 10, steps: []seqStep{ev(1), ev(12)}, wantMax: 1, wantJump: 1},
		{name: "first event past the window", window: 10, steps: []seqStep{ev(12), ev(13)}, wantMax: 13, wantJump: 1},
		{name: "first event within the window", window: 10, steps: []seqStep{ev(10)}, wantGaps: []gap{{1, 9}}, wantMax: 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, clock := openTest(t)
			if tt.window > 0 {
				db.SetSeqWindow(tt.window)
			}
			ctx := context.Background()
			for i, st := range tt.steps {
				var m Message
				if st.hb {
					m.Sighting = &Sighting{Site: "h", At: clock.Now(), LastSeq: st.seq, OutboxDepth: st.outbox}
				} else {
					in := alarmEvent("h", st.seq, event.High)
					in.Event.ID = fmt.Sprintf("ev-%d", i)
					in.Event.Kind = event.StateChange
					m.Event = &in
				}
				_, err := db.Store(ctx, []Message{m})
				require.NoError(t, err)
			}
			gs, err := db.Gaps(ctx, "h")
			require.NoError(t, err)
			var got []gap
			for _, g := range gs {
				got = append(got, gap{g.From, g.To})
			}
			require.Equal(t, tt.wantGaps, got, "gaps")
			homes, err := db.Homes(ctx)
			require.NoError(t, err)
			require.Len(t, homes, 1)
			require.Equal(t, tt.wantMax, homes[0].MaxSeq, "max seq")
			items, err := db.Maintenance(ctx, true)
			require.NoError(t, err)
			jumps := 0
			for _, m := range items {
				if m.Kind == KindSeqJump {
					jumps++
					require.Contains(t, m.Message, "sequence")
					require.Contains(t, m.Message, "序号")
				}
			}
			require.Equal(t, tt.wantJump, jumps, "seq_jump maintenance items: %+v", items)
		})
	}
}
