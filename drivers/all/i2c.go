package all

import (
	_ "github.com/safehub-iot/safehub/drivers/climate" // bme280: room climate
	_ "github.com/safehub-iot/safehub/drivers/mqgas"   // ads1115-mq: MQ-series gas via ADS1115
)
