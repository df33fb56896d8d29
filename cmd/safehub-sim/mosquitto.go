package main

import (
	"os"
	"path/filepath"

	"github.com/safehub-iot/safehub/internal/mosquitto"
)

// startMosquitto starts the Mosquitto of the district benchmarks from the
// binary bin, its files in dir: persistence on so a restart keeps sessions
// and queued messages, as a production broker is run, and no limit on
// connections. Its errors and warnings go to stderr.
func startMosquitto(bin, dir string) (*mosquitto.Broker, error) {
	// Mosquitto started as root drops to its own user before it writes the
	// persistence file: that directory must be writable by it.
	data := filepath.Join(dir, "mosquitto")
	if err := os.MkdirAll(data, 0o750); err != nil {
		return nil, err
	}
	if err := os.Chmod(data, 0o777); err != nil {
		return nil, err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	return mosquitto.Start(mosquitto.Options{
		Bin: bin,
		Dir: dir,
		Config: []string{
			"allow_anonymous true",
			"max_connections -1",
			"max_queued_messages 100000",
			"max_inflight_messages 100",
			"persistence true",
			"persistence_location " + data + "/",
			"autosave_interval 0",
			"set_tcp_nodelay true",
			"log_dest stderr",
			"log_type error",
			"log_type warning",
		},
		Stderr: os.Stderr,
	})
}
