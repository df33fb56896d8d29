// Package all registers every SafeHub driver; the commands import it for its
// side effect, as Telegraf's plugins/inputs/all does.
package all

import (
	_ "github.com/safehub-iot/safehub/drivers/gpio" // GPIO inputs and outputs
)
