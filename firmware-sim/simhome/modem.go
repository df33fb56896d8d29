package simhome

import (
	"io"
	"log/slog"

	"github.com/safehub-iot/safehub/drivers/gsm"
	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/gateway/smsfallback"
)

// openModem is the daemon's Options.OpenModem: the real modem driver, on
// whatever serial port the simulated hardware maps the fallback's to (a
// serialsim.Modem on a pseudo-terminal).
func openModem(port io.ReadWriter, clock gateway.Clock, log *slog.Logger) smsfallback.Modem {
	return gsm.NewModem(port, clock, log)
}
