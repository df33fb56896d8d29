package config

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDocSetKeepsComments(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		path  string
		value any
		want  []string
	}{
		{name: "replace scalar", in: "# head\nsite:\n  id: old # the id\n", path: "site.id", value: "flat-1",
			want: []string{"# head", "id: flat-1 # the id"}},
		{name: "create nested", in: "site: {id: a}\n", path: "cloud.tls.ca", value: "/etc/ca.crt",
			want: []string{"cloud:", "tls:", "ca: /etc/ca.crt"}},
		{name: "list", in: "", path: "cloud.brokers", value: []string{"ssl://a:8883", "ssl://b:8883"},
			want: []string{"- ssl://a:8883", "- ssl://b:8883"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDoc([]byte(tt.in))
			require.NoError(t, err)
			require.NoError(t, d.Set(tt.path, tt.value))
			out, err := d.Bytes()
			require.NoError(t, err)
			for _, w := range tt.want {
				require.Contains(t, string(out), w)
			}
		})
	}
}

func TestDocAppendSensor(t *testing.T) {
	d, err := ParseDoc([]byte("sensors:\n  # the button\n  - {id: b, kind: call_button}\n"))
	require.NoError(t, err)
	require.NoError(t, d.AppendSensor(map[string]any{"id": "pendant-anna", "kind": "pendant"}))
	out, err := d.Bytes()
	require.NoError(t, err)
	s := string(out)
	require.Contains(t, s, "# the button")
	require.Less(t, strings.Index(s, "id: b"), strings.Index(s, "pendant-anna"))
}

func TestDocKeepsBlankLines(t *testing.T) {
	in, err := os.ReadFile("testdata/edit-layout.yaml")
	require.NoError(t, err)
	d, err := ParseDoc(in)
	require.NoError(t, err)
	require.Equal(t, "old-site", d.Get("cloud.username"))
	require.Equal(t, "", d.Get("cloud.password_file"))
	require.NoError(t, d.Set("site.id", "flat-1"))
	require.NoError(t, d.Set("cloud.username", "flat-1"))
	out, err := d.Bytes()
	require.NoError(t, err)
	want, err := os.ReadFile("testdata/edit-layout.golden")
	require.NoError(t, err)
	require.Equal(t, string(want), string(out))
}
