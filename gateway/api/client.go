package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"syscall"
	"time"

	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/gateway"
)

// ErrNotRunning means nothing answers on the socket: safehubd is stopped
// (or the path is wrong).
var ErrNotRunning = errors.New("safehubd is not running")

// NotRunningError says which socket was tried.
type NotRunningError struct {
	Socket string
	Err    error
}

func (e *NotRunningError) Error() string {
	return fmt.Sprintf("safehubd is not running (socket %s: %v)", e.Socket, e.Err)
}

// Is makes errors.Is(err, ErrNotRunning) true.
func (e *NotRunningError) Is(target error) bool { return target == ErrNotRunning }
func (e *NotRunningError) Unwrap() error        { return e.Err }

// RemoteError is an error answer from the daemon.
type RemoteError struct {
	Status int
	Body   ErrorBody
}

func (e *RemoteError) Error() string { return e.Body.Error }

// Is maps the daemon's error codes back to ErrInvalid, ErrBusy and
// ErrNotAvailable.
func (e *RemoteError) Is(target error) bool {
	switch e.Body.Code {
	case CodeInvalid:
		return target == ErrInvalid
	case CodeBusy:
		return target == ErrBusy
	case CodeNotAvailable:
		return target == ErrNotAvailable
	case CodeBadRequest:
		return target == ErrBadRequest
	}
	return false
}

// Client talks to safehubd over its socket.
type Client struct {
	socket string
	hc     *http.Client
}

// NewClient returns a client for the socket at path. Nothing is dialled
// until a call.
func NewClient(socket string) *Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		},
	}
	return &Client{socket: socket, hc: &http.Client{Transport: tr}}
}

func (c *Client) do(ctx context.Context, method, path string, q url.Values, body io.Reader) (*http.Response, error) {
	u := "http://safehubd" + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			switch {
			case errors.Is(err, os.ErrNotExist), errors.Is(err, syscall.ECONNREFUSED):
				return nil, &NotRunningError{Socket: c.socket, Err: errors.Unwrap(op.Err)}
			case errors.Is(err, os.ErrPermission):
				return nil, fmt.Errorf("cannot use %s: permission denied (run as root or as a member of the safehub group)", c.socket)
			}
			return nil, &NotRunningError{Socket: c.socket, Err: op.Err}
		}
		return nil, err
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		re := &RemoteError{Status: resp.StatusCode}
		if err := json.NewDecoder(resp.Body).Decode(&re.Body); err != nil {
			re.Body = ErrorBody{Code: CodeFailed, Error: fmt.Sprintf("safehubd answered %s", resp.Status)}
		}
		return nil, re
	}
	return resp, nil
}

func (c *Client) getJSON(ctx context.Context, method, path string, q url.Values, body io.Reader, v any) error {
	resp, err := c.do(ctx, method, path, q, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("decode answer from safehubd: %w", err)
	}
	return nil
}

// Status returns the box's condition.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var st Status
	err := c.getJSON(ctx, http.MethodGet, "/v1/status", nil, nil, &st)
	return st, err
}

// Sensors returns each sensor's health.
func (c *Client) Sensors(ctx context.Context) ([]gateway.SensorHealth, error) {
	var hs []gateway.SensorHealth
	err := c.getJSON(ctx, http.MethodGet, "/v1/sensors", nil, nil, &hs)
	return hs, err
}

// Events returns events after a sequence number, or since a time when
// since is not zero.
func (c *Client) Events(ctx context.Context, after int64, since time.Time, limit int) ([]event.Event, error) {
	q := url.Values{"limit": {fmt.Sprint(limit)}}
	if !since.IsZero() {
		q.Set("since", since.UTC().Format(time.RFC3339Nano))
	} else {
		q.Set("after", fmt.Sprint(after))
	}
	var evs []event.Event
	err := c.getJSON(ctx, http.MethodGet, "/v1/events", q, nil, &evs)
	return evs, err
}

// stream calls fn with each JSON line until the stream ends, fn returns
// false, or ctx is done.
func stream[T any](ctx context.Context, c *Client, method, path string, q url.Values, fn func(T) bool) error {
	resp, err := c.do(ctx, method, path, q, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return fmt.Errorf("decode stream from safehubd: %w", err)
		}
		if !fn(v) {
			return nil
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("stream from safehubd: %w", err)
	}
	return nil
}

// Tail calls fn with each event committed from now on until ctx is done
// or fn returns false.
func (c *Client) Tail(ctx context.Context, fn func(event.Event) bool) error {
	return stream(ctx, c, http.MethodGet, "/v1/events/stream", nil, fn)
}

// TestAlarm raises a test alarm and calls fn with each step of its round
// trip until it is acknowledged or timeout passes.
func (c *Client) TestAlarm(ctx context.Context, timeout time.Duration, fn func(AlarmProgress)) error {
	q := url.Values{"timeout": {timeout.String()}}
	return stream(ctx, c, http.MethodPost, "/v1/alarm/test", q, func(p AlarmProgress) bool { fn(p); return true })
}

// WalkTest runs a walk test, calling fn with each message until the done
// message or ctx is done; cancelling ctx ends the test on the box too.
func (c *Client) WalkTest(ctx context.Context, timeout time.Duration, fn func(WalkMessage)) error {
	q := url.Values{"timeout": {timeout.String()}}
	return stream(ctx, c, http.MethodPost, "/v1/walktest", q, func(m WalkMessage) bool { fn(m); return m.Type != WalkDone })
}

// Outputs lists the configured outputs (siren, LEDs), opened or not.
func (c *Client) Outputs(ctx context.Context) ([]OutputStatus, error) {
	var list []OutputStatus
	err := c.getJSON(ctx, http.MethodGet, "/v1/outputs", nil, nil, &list)
	return list, err
}

// TestOutputs switches the outputs with these ids (none: every output) on
// for d each (0: the daemon's default), one after another, calling fn with
// each step until the done step. Cancelling ctx ends the test on the box
// too, and the output being tested goes back as it was.
func (c *Client) TestOutputs(ctx context.Context, ids []string, d time.Duration, fn func(OutputTestStep)) error {
	q := url.Values{}
	if d != 0 {
		q.Set("for", d.String())
	}
	for _, id := range ids {
		q.Add("id", id)
	}
	return stream(ctx, c, http.MethodPost, "/v1/outputs/test", q, func(s OutputTestStep) bool { fn(s); return s.Stage != OutputTestDone })
}

// Pair learns a wireless device.
func (c *Client) Pair(ctx context.Context, req PairRequest) (PairResult, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return PairResult{}, err
	}
	var res PairResult
	err = c.getJSON(ctx, http.MethodPost, "/v1/pair", nil, bytes.NewReader(body), &res)
	return res, err
}

// ValidateConfig checks the config file on disk.
func (c *Client) ValidateConfig(ctx context.Context) (Validation, error) {
	var v Validation
	err := c.getJSON(ctx, http.MethodPost, "/v1/config/validate", nil, nil, &v)
	return v, err
}

// ValidateRules checks rules content (nil: the configured rules file).
func (c *Client) ValidateRules(ctx context.Context, content []byte) (Validation, error) {
	var v Validation
	err := c.getJSON(ctx, http.MethodPost, "/v1/rules/validate", nil, bytes.NewReader(content), &v)
	return v, err
}

// Reload applies the config file on disk.
func (c *Client) Reload(ctx context.Context) (Validation, error) {
	var v Validation
	err := c.getJSON(ctx, http.MethodPost, "/v1/reload", nil, nil, &v)
	return v, err
}

// Reset resets the box's latched alarms (smoke) and silences the siren.
func (c *Client) Reset(ctx context.Context) error {
	var res ResetResult
	return c.getJSON(ctx, http.MethodPost, "/v1/reset", nil, nil, &res)
}
