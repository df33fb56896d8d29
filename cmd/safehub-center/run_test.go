package main

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/center/broker"
	"github.com/safehub-iot/safehub/internal/cli"
)

func TestRunFlagErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "unknown flag", args: []string{"--nope"}, want: "nope"},
		{name: "demo operator without password", args: []string{"--demo-operator", "anna"}, want: "--demo-operator"},
		{name: "log level", args: []string{"--log-level", "loud"}, want: "--log-level"},
		{name: "client cert without key", args: []string{"--client-cert", "c.pem"}, want: "--client-key"},
		{name: "broker cert with external broker", args: []string{"--broker", "tcp://127.0.0.1:1", "--broker-cert", "a", "--broker-key", "b"}, want: "--broker-cert"},
		{name: "stray argument", args: []string{"serve"}, want: `"serve"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := Run(context.Background(), tt.args, strings.NewReader(""), &out, &errOut)
			if !errors.Is(err, cli.ErrUsage) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Run(%q): got %v, want a usage error naming %s", tt.args, err, tt.want)
			}
		})
	}
}

func TestRunACLAndOperator(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, Run(context.Background(), []string{"acl"}, nil, &out, &out))
	if out.String() != broker.DistrictACL() {
		t.Fatalf("acl: got %q, want the district ACL", out.String())
	}
	db := filepath.Join(t.TempDir(), "c.db")
	out.Reset()
	require.NoError(t, Run(context.Background(), []string{"operator", "--db", db, "--name", "anna"}, strings.NewReader("correct-horse\n"), &out, &out))
	require.Contains(t, out.String(), "operator anna saved")
	require.NotContains(t, out.String(), "correct-horse", "password never echoed")
}

func TestRunDemoPrintsAddresses(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuf
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, []string{"--http", "127.0.0.1:0", "--mqtt", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "c.db"),
			"--demo-operator", "anna:correct-horse", "--log-level", "error"}, nil, &out, &errOut)
	}()
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "Demo operator: anna") }, 20*time.Second, 10*time.Millisecond)
	for _, want := range []string{"SafeHub center console: http://127.0.0.1:", "Embedded MQTT broker: tcp://127.0.0.1:", "DEMO mode"} {
		require.Contains(t, out.String(), want)
	}
	require.NotContains(t, out.String(), "correct-horse", "password never printed")
	cancel()
	require.NoError(t, <-done)
}

// syncBuf is a bytes.Buffer safe for one writer and one reader goroutine.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
