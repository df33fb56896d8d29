package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func TestCode(t *testing.T) {
	errBoom := errors.New("boom")
	tests := []struct {
		name string
		err  error
		want int
	}{
		{name: "nil", err: nil, want: OK},
		{name: "plain error", err: errBoom, want: Failed},
		{name: "wrapped plain error", err: fmt.Errorf("run: %w", errBoom), want: Failed},
		{name: "help", err: pflag.ErrHelp, want: OK},
		{name: "usage sentinel", err: fmt.Errorf("%w: --homes: 0", ErrUsage), want: Usage},
		{name: "Usagef", err: Usagef("--rate: %g", -1.0), want: Usage},
		{name: "exit code", err: WithCode(3, errBoom), want: 3},
		{name: "wrapped exit code", err: fmt.Errorf("check: %w", WithCode(5, errBoom)), want: 5},
		{name: "outermost code wins", err: WithCode(4, WithCode(3, errBoom)), want: 4},
		{name: "exit code without error", err: &ExitError{Code: 3}, want: 3},
		{name: "context canceled", err: context.Canceled, want: Failed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Code(tt.err); got != tt.want {
				t.Fatalf("Code(%v): got %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}

func TestWithCodeNil(t *testing.T) {
	if err := WithCode(3, nil); err != nil {
		t.Fatalf("WithCode(3, nil): got %v, want nil", err)
	}
}

func TestUsageIsErrUsage(t *testing.T) {
	errBoom := errors.New("boom")
	err := Usagef("bad: %w", errBoom)
	if !errors.Is(err, ErrUsage) || !errors.Is(err, errBoom) {
		t.Fatalf("Usagef: got %v, want it to be ErrUsage and wrap its cause", err)
	}
	if errors.Is(WithCode(3, errBoom), ErrUsage) {
		t.Fatal("an exit code 3 error is not a usage error")
	}
}

func TestExit(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		wantCode int
		wantOut  string
	}{
		{name: "success prints nothing", err: nil, wantCode: OK, wantOut: ""},
		{name: "help prints nothing", err: pflag.ErrHelp, wantCode: OK, wantOut: ""},
		{name: "failure", err: errors.New("broker down"), wantCode: Failed, wantOut: "tool: broker down\n"},
		{name: "own code", err: WithCode(3, errors.New("config.yaml: line 4: bad")), wantCode: 3, wantOut: "tool: config.yaml: line 4: bad\n"},
		{name: "usage with help", err: &ExitError{Code: Usage, Err: errors.New("unknown flag: --x"), Help: "tool run"}, wantCode: Usage,
			wantOut: "tool: unknown flag: --x\nRun 'tool run --help' for usage.\n"},
		{name: "usage naming --help already", err: &ExitError{Code: Usage, Err: errors.New("see --help"), Help: "tool"}, wantCode: Usage,
			wantOut: "tool: see --help\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if got := Exit(&out, "tool", tt.err); got != tt.wantCode {
				t.Fatalf("Exit(%v): got code %d, want %d", tt.err, got, tt.wantCode)
			}
			if got := out.String(); got != tt.wantOut {
				t.Fatalf("Exit(%v): got output %q, want %q", tt.err, got, tt.wantOut)
			}
		})
	}
}

// tree is a small command tree: tool [--n N] {run FILE | fail | usage}.
func tree(out *bytes.Buffer) *cobra.Command {
	root := &cobra.Command{Use: "tool", Args: cobra.NoArgs, RunE: func(*cobra.Command, []string) error { return nil }}
	root.SetOut(out)
	root.SetErr(out)
	var n int
	root.PersistentFlags().IntVar(&n, "n", 1, "a number")
	run := &cobra.Command{Use: "run FILE", Args: cobra.ExactArgs(1), RunE: func(*cobra.Command, []string) error { return nil }}
	var must string
	run.Flags().StringVar(&must, "must", "", "a required flag")
	_ = run.MarkFlagRequired("must")
	root.AddCommand(run,
		&cobra.Command{Use: "fail", RunE: func(*cobra.Command, []string) error { return errors.New("it broke") }},
		&cobra.Command{Use: "usage", RunE: func(*cobra.Command, []string) error { return Usagef("--n: %d is too small", n) }},
		&cobra.Command{Use: "code", RunE: func(*cobra.Command, []string) error { return WithCode(3, errors.New("invalid")) }},
	)
	return root
}

func TestExecute(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string // in the error's message
		wantHelp string // ExitError.Help of a usage error
	}{
		{name: "runs", args: []string{"run", "--must", "x", "f"}, wantCode: OK},
		{name: "root help", args: []string{"--help"}, wantCode: OK},
		{name: "subcommand help", args: []string{"run", "--help"}, wantCode: OK},
		{name: "help command", args: []string{"help", "run"}, wantCode: OK},
		{name: "unknown command", args: []string{"walk"}, wantCode: Usage, wantErr: `unknown command "walk"`, wantHelp: "tool"},
		{name: "unknown flag", args: []string{"run", "--fast", "f"}, wantCode: Usage, wantErr: "unknown flag: --fast", wantHelp: "tool run"},
		{name: "single-dash long flag", args: []string{"run", "-must", "x", "f"}, wantCode: Usage, wantErr: "unknown shorthand flag", wantHelp: "tool run"},
		{name: "bad flag value", args: []string{"--n", "many"}, wantCode: Usage, wantErr: `invalid argument "many"`, wantHelp: "tool"},
		{name: "wrong argument count", args: []string{"run", "--must", "x"}, wantCode: Usage, wantErr: "accepts 1 arg(s)", wantHelp: "tool run"},
		{name: "missing required flag", args: []string{"run", "f"}, wantCode: Usage, wantErr: `"must" not set`, wantHelp: "tool run"},
		{name: "command's own failure", args: []string{"fail"}, wantCode: Failed, wantErr: "it broke"},
		{name: "command's own usage error", args: []string{"usage", "--n", "0"}, wantCode: Usage, wantErr: "--n: 0 is too small", wantHelp: "tool usage"},
		{name: "command's own code", args: []string{"code"}, wantCode: 3, wantErr: "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := Execute(context.Background(), tree(&out), tt.args)
			if got := Code(err); got != tt.wantCode {
				t.Fatalf("Execute(%q): got code %d (%v), want %d; output:\n%s", tt.args, got, err, tt.wantCode, out.String())
			}
			if tt.wantCode == OK {
				return
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Execute(%q): got error %q, want it to contain %q", tt.args, err, tt.wantErr)
			}
			var ee *ExitError
			if got := ""; errors.As(err, &ee) && ee.Code == Usage {
				got = ee.Help
				if got != tt.wantHelp {
					t.Fatalf("Execute(%q): got Help %q, want %q", tt.args, got, tt.wantHelp)
				}
			} else if tt.wantHelp != "" {
				t.Fatalf("Execute(%q): got %v, want a usage error", tt.args, err)
			}
			if strings.Contains(out.String(), "Error:") {
				t.Fatalf("Execute(%q): cobra printed the error itself:\n%s", tt.args, out.String())
			}
		})
	}
}
