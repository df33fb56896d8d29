package daemon

import "github.com/safehub-iot/safehub/gateway/api"

// pairer returns what pairs wireless devices, or nil when this build has
// no bridge driver with a learn mode (the API answers 501).
func (d *Daemon) pairer() api.Pairer { return nil }
