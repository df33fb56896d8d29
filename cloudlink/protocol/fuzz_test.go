package protocol

import (
	"os"
	"path/filepath"
	"testing"
)

// addFixtures seeds a fuzz target with every documented example; the corpus
// in testdata/fuzz/<target> adds broken ones.
func addFixtures(f *testing.F) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// roundTrip checks that what a decoder accepts survives encoding and
// decoding again unchanged.
func roundTrip[M any](t *testing.T, m M, decode func([]byte) (M, error)) {
	t.Helper()
	b, err := Encode(&m)
	if err != nil {
		t.Fatalf("encode accepted message: %v", err)
	}
	m2, err := decode(b)
	if err != nil {
		t.Fatalf("re-decode of %s: %v", b, err)
	}
	b2, err := Encode(&m2)
	if err != nil || string(b) != string(b2) {
		t.Fatalf("round trip changed the message: %s -> %s (%v)", b, b2, err)
	}
}

func FuzzDecodeCommand(f *testing.F) {
	addFixtures(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeCommand(data)
		if err != nil {
			if len(m.ID) > MaxIDLen {
				t.Fatalf("salvaged id of %d bytes", len(m.ID))
			}
			return
		}
		roundTrip(t, m, DecodeCommand)
	})
}

func FuzzDecodeEvent(f *testing.F) {
	addFixtures(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeEvent(data)
		if err != nil {
			return
		}
		roundTrip(t, m, DecodeEvent)
	})
}

func FuzzDecodeHeartbeat(f *testing.F) {
	addFixtures(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if m, err := DecodeHeartbeat(data); err == nil {
			roundTrip(t, m, DecodeHeartbeat)
		}
	})
}

func FuzzDecodeStatusReply(f *testing.F) {
	addFixtures(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if m, err := DecodeStatus(data); err == nil {
			roundTrip(t, m, DecodeStatus)
		}
		if m, err := DecodeReply(data); err == nil {
			roundTrip(t, m, DecodeReply)
		}
	})
}

func FuzzDecodeCenterStatus(f *testing.F) {
	addFixtures(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeCenterStatus(data)
		if err != nil {
			return
		}
		if m.State == Online && m.Epoch == "" {
			t.Fatalf("accepted online without an epoch: %s", data)
		}
		roundTrip(t, m, DecodeCenterStatus)
	})
}

func FuzzParseTopic(f *testing.F) {
	for _, s := range []string{"safehub/v1/rose-12/alarm", "safehub/v1/rose/cmd/reply", "safehub/v1/+/alarm", "safehub/v1//x", "safehub/v1/a/#"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, topic string) {
		site, ch, err := ParseTopic(topic)
		if err != nil {
			return
		}
		got, err := Topic(site, ch)
		if err != nil || got != topic {
			t.Fatalf("Topic(ParseTopic(%q)) = %q, %v", topic, got, err)
		}
	})
}
