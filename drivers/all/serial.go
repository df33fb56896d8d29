package all

import (
	_ "github.com/safehub-iot/safehub/drivers/mr60fda1" // mr60fda1: 60 GHz fall radar on a serial port
	_ "github.com/safehub-iot/safehub/drivers/rfbridge" // rf433: 433 MHz pendants, door contacts, smoke via an RF bridge
)
