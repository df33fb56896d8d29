package main

import (
	"io"
	"log/slog"

	"github.com/safehub-iot/safehub/drivers/gsm"
	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/gateway/smsfallback"
)

// openModem is the daemon's Options.OpenModem: the SMS fallback's modem is
// a SIM800/Quectel kind driven over AT commands.
func openModem(port io.ReadWriter, clock gateway.Clock, log *slog.Logger) smsfallback.Modem {
	return gsm.NewModem(port, clock, log)
}
