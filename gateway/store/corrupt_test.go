package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/event"
)

// damage functions spoil a closed database file in the ways an SD card does.
var damages = []struct {
	name   string
	damage func(tb testing.TB, path string)
}{
	{"whole file garbage", func(tb testing.TB, path string) {
		tb.Helper()
		writeFile(tb, path, bytes.Repeat([]byte("not sqlite "), 1000))
	}},
	{"pages overwritten", func(tb testing.TB, path string) {
		tb.Helper()
		data, err := os.ReadFile(path)
		if err != nil {
			tb.Fatal(err)
		}
		// Keep the header page, so SQLite opens the file, and spoil the
		// b-tree pages after it.
		for i := 4096; i < len(data); i++ {
			data[i] = byte(i*7 + 13)
		}
		writeFile(tb, path, data)
	}},
}

func writeFile(tb testing.TB, path string, data []byte) {
	tb.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tb.Fatal(err)
	}
}

// filledStore makes a closed database with n events at path.
func filledStore(tb testing.TB, path string, n int) {
	tb.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	appendKinds(tb, s, make([]event.Kind, n)...)
	if err := s.Close(); err != nil {
		tb.Fatalf("close: %v", err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(path + suffix); err == nil {
			tb.Fatalf("%s left after Close; the damage would miss the checkpointed data", suffix)
		}
	}
}

func TestOpenMovesCorruptFileAside(t *testing.T) {
	for _, tt := range damages {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "box.db")
			filledStore(t, path, 500)
			tt.damage(t, path)
			damaged, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}

			s, err := Open(ctx, path)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open err = %v, want ErrCorrupt", err)
			}
			if s == nil {
				t.Fatal("Open returned no store with ErrCorrupt, want a fresh one")
			}
			defer s.Close()

			aside, _ := filepath.Glob(path + ".corrupt-*")
			if len(aside) != 1 {
				t.Fatalf("files moved aside = %v, want one", aside)
			}
			if got, _ := os.ReadFile(aside[0]); !bytes.Equal(got, damaged) {
				t.Errorf("moved-aside file differs from the damaged one")
			}
			// The fresh store works and continues the sequence above the
			// old maximum: the center must not take new events for old ones.
			if seq, err := s.LastSeq(ctx); err != nil || seq < 500 || seq > 500+seqBlock {
				t.Fatalf("fresh store LastSeq = %d, %v; want 500 to %d, nil", seq, err, 500+seqBlock)
			}
			appendKinds(t, s, event.AlarmRaised)
			evs, err := s.Events(ctx, 0, 10)
			if err != nil || len(evs) != 1 || evs[0].Seq <= 500 {
				t.Fatalf("fresh store Events = %+v, %v; want 1 event above seq 500", evs, err)
			}
			if s.Committed() != evs[0].Seq {
				t.Fatalf("Committed = %d, want %d", s.Committed(), evs[0].Seq)
			}
		})
	}
}

func TestOpenKeepsHealthyStore(t *testing.T) {
	// What a package upgrade does: stop, replace the binary, open again.
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "box.db")
	filledStore(t, path, 50)
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if seq, err := s.LastSeq(ctx); err != nil || seq != 50 {
		t.Fatalf("LastSeq after reopen = %d, %v; want 50, nil", seq, err)
	}
	if n, _, err := s.OutboxDepth(ctx); err != nil || n != 50 {
		t.Fatalf("outbox after reopen = %d, %v; want 50, nil", n, err)
	}
	if aside, _ := filepath.Glob(path + ".corrupt-*"); len(aside) != 0 {
		t.Fatalf("healthy file moved aside: %v", aside)
	}
}

// TestSequenceCeiling: the ceiling beside the database is on disk at or
// above every number used, also for a box that had none yet (an upgrade),
// and a fresh store after corruption starts above it.
func TestSequenceCeiling(t *testing.T) {
	for _, tc := range []struct {
		name    string
		n       int
		dropSeq bool // the box ran a version without the ceiling file
	}{
		{name: "kept", n: 50},
		{name: "upgrade without ceiling", n: 50, dropSeq: true},
		{name: "past one block", n: seqBlock + 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "box.db")
			filledStore(t, path, tc.n)
			if got := readFloor(path); got < int64(tc.n) {
				t.Fatalf("ceiling after %d events = %d, want %d or more", tc.n, got, tc.n)
			}
			if tc.dropSeq {
				if err := os.Remove(floorPath(path)); err != nil {
					t.Fatal(err)
				}
			}
			s, err := Open(ctx, path)
			if err != nil {
				t.Fatalf("reopen: %v", err)
			}
			if got := readFloor(path); got < int64(tc.n) {
				t.Fatalf("ceiling after reopen = %d, want %d or more", got, tc.n)
			}
			require.NoError(t, s.CeilingErr())
			require.NoError(t, s.Close())
			damages[0].damage(t, path)
			s, err = Open(ctx, path)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open err = %v, want ErrCorrupt", err)
			}
			defer s.Close()
			appendKinds(t, s, event.AlarmRaised)
			if seq := s.Committed(); seq <= int64(tc.n) {
				t.Fatalf("first seq after the corrupt store was replaced = %d, want above %d", seq, tc.n)
			}
		})
	}
}
