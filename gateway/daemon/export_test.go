package daemon

import "context"

// SilenceSiren is the center's silence command as the cloud link carries
// it out.
func (d *Daemon) SilenceSiren(ctx context.Context) error { return linkExec{d}.SilenceSiren(ctx) }
