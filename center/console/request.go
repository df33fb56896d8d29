package console

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/safehub-iot/safehub/internal/fielderr"
)

// maxBody caps a request body.
const maxBody = 16 << 10

// FieldError says which field of a request is wrong ("" for the request
// as a whole).
type FieldError = fielderr.Error

type loginRequest struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

type resolveRequest struct {
	Outcome string `json:"outcome"`
	Note    string `json:"note"`
}

// Outcomes an operator picks from when resolving an alarm.
var Outcomes = []string{"help sent", "resident fine", "false alarm", "test", "other"}

// decodeJSON reads a JSON object body into v: unknown fields, trailing data
// and wrong types are errors naming the field.
func decodeJSON(r io.Reader, v any) error {
	dec := json.NewDecoder(io.LimitReader(r, maxBody+1))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te):
			return &FieldError{Field: te.Field, Msg: fmt.Sprintf("want a %s", te.Type)}
		case errors.As(err, &se):
			return &FieldError{Msg: fmt.Sprintf("not JSON: %v", err)}
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return &FieldError{Field: strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), Msg: "unknown field"}
		case errors.Is(err, io.EOF):
			return &FieldError{Msg: "empty body (want a JSON object)"}
		}
		return &FieldError{Msg: fmt.Sprintf("bad body: %v", err)}
	}
	if dec.More() {
		return &FieldError{Msg: "trailing data after the JSON object"}
	}
	if b, _ := io.ReadAll(dec.Buffered()); len(bytes.TrimSpace(b)) > 0 {
		return &FieldError{Msg: "trailing data after the JSON object"}
	}
	return nil
}

// DecodeLogin parses and checks a login request body.
func DecodeLogin(body []byte) (name, password string, err error) {
	var req loginRequest
	if err := decodeJSON(bytes.NewReader(body), &req); err != nil {
		return "", "", err
	}
	if strings.TrimSpace(req.Name) == "" {
		return "", "", &FieldError{Field: "name", Msg: "required"}
	}
	if req.Password == "" {
		return "", "", &FieldError{Field: "password", Msg: "required"}
	}
	return req.Name, req.Password, nil
}

// DecodeResolve parses and checks a resolve request body.
func DecodeResolve(body []byte) (outcome, note string, err error) {
	var req resolveRequest
	if err := decodeJSON(bytes.NewReader(body), &req); err != nil {
		return "", "", err
	}
	known := false
	for _, o := range Outcomes {
		known = known || req.Outcome == o
	}
	if !known {
		return "", "", &FieldError{Field: "outcome", Msg: fmt.Sprintf("%q (want one of %s)", req.Outcome, strings.Join(Outcomes, ", "))}
	}
	if len(req.Note) > 2000 {
		return "", "", &FieldError{Field: "note", Msg: "longer than 2000 characters"}
	}
	if req.Outcome == "other" && strings.TrimSpace(req.Note) == "" {
		return "", "", &FieldError{Field: "note", Msg: `required when the outcome is "other"`}
	}
	return req.Outcome, req.Note, nil
}

// readBody checks the content type (JSON only: a cross-site form cannot
// send it) and reads the capped body.
func readBody(r *http.Request) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return nil, &FieldError{Field: "Content-Type", Msg: "want application/json"}
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, &FieldError{Msg: fmt.Sprintf("read body: %v", err)}
	}
	if len(b) > maxBody {
		return nil, &FieldError{Msg: fmt.Sprintf("body larger than %d bytes", maxBody)}
	}
	return b, nil
}
