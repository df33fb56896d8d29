package gsm

import (
	"context"
	"errors"
	"fmt"
)

// NotReadyError says why a modem cannot send: Reason is for people ("no
// SIM card", "weak signal (rssi 3, want at least 5)"), Err is the error
// underneath, if any.
type NotReadyError struct {
	Reason string
	Err    error
}

func (e *NotReadyError) Error() string { return e.Reason }
func (e *NotReadyError) Unwrap() error { return e.Err }

// Ready tells whether the modem can send an SMS. It initializes the modem
// (Init) until that succeeds once, then checks SIM, registration and
// signal. It returns nil when the SIM is ready, the modem is registered
// (home or roaming) and the signal is at least minSignal (0–31, per
// AT+CSQ); a *NotReadyError for a missing or locked SIM, a modem not
// answering, no network or weak signal; any other error as it came.
func (m *Modem) Ready(ctx context.Context, minSignal int) error {
	if !m.inited.Load() {
		if err := m.Init(ctx); err != nil {
			return notReady(Health{}, err, minSignal)
		}
		m.inited.Store(true)
	}
	h, err := m.Check(ctx)
	return notReady(h, err, minSignal)
}

// notReady is Ready's verdict on a health check's result.
func notReady(h Health, err error, minSignal int) error {
	switch {
	case errors.Is(err, ErrNoSIM):
		return &NotReadyError{Reason: "no SIM card", Err: err}
	case errors.Is(err, ErrTimeout):
		return &NotReadyError{Reason: "modem not answering", Err: err}
	case err != nil:
		return err
	case h.SIM != "READY":
		return &NotReadyError{Reason: "SIM not ready: " + h.SIM}
	case !h.Registered:
		return &NotReadyError{Reason: fmt.Sprintf("not registered on a network (+CREG stat %d)", h.Stat)}
	case h.RSSI == 99 || h.RSSI < minSignal:
		return &NotReadyError{Reason: fmt.Sprintf("weak signal (rssi %d, want at least %d)", h.RSSI, minSignal)}
	}
	return nil
}
