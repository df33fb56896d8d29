// Package fielderr is the error that names the one field of an input at
// fault and what is wrong with it: a driver's option (gateway.FieldError),
// a field of a wire payload or topic (protocol.FieldError), a field of a
// console request (console.FieldError). Those packages alias Error, so one
// errors.As target serves them all.
package fielderr

// Error is a mistake in one field.
type Error struct {
	// Field is the field's name or path, e.g. "pin", "site", "note"; ""
	// when the input as a whole is at fault.
	Field string
	// Msg says what is wrong and what was expected.
	Msg string
	// Err, if set, is what the error wraps for errors.Is, e.g. the wire
	// protocol's ErrInvalid: a kind of mistake, not part of the message.
	Err error
}

// Error reads "field: msg", or msg alone for the input as a whole.
func (e *Error) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }
