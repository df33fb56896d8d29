package gsm

import (
	"slices"
	"strings"
	"testing"
)

func TestSplitSMS(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []part
	}{
		{"gsm", "Fall in bedroom", []part{{text: "Fall in bedroom"}}},
		{"control bytes neutralized", "a\x1ab\x1bc\rd\ne", []part{{text: "a b c d\ne"}}},
		{"bracket needs ucs2", "[x]", []part{{ucs2: true, text: "005B0078005D"}}},
		{"chinese", "跌倒", []part{{ucs2: true, text: "8DCC5012"}}},
		{"surrogate pair kept whole", strings.Repeat("a", 69) + "😀", []part{
			{ucs2: true, text: strings.Repeat("0061", 69)}, {ucs2: true, text: "D83DDE00"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := splitSMS(tc.text); !slices.Equal(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
