package alarmdb

import (
	"fmt"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/safehub-iot/safehub/internal/sqlitedb"
	"github.com/safehub-iot/safehub/internal/sqlitedb/walckpt"
)

// The center's writer leaves WAL checkpoints to a walckpt.Checkpointer, as
// the box's store does: about one ingest batch in a hundred used to wait
// for a checkpoint's page copy and second fsync (the tail of the center's
// receive→stored latency).
const (
	// ckptEvery is how many write transactions wake the checkpointer.
	ckptEvery = 64
	// ckptPeriod checkpoints whatever is left after a quiet spell.
	ckptPeriod = 5 * time.Second
	// ckptSafetyPages is the writer's own automatic checkpoint (16 MB of
	// log), for a background checkpointer that cannot finish.
	ckptSafetyPages = 4000
)

// cacheKiB is the page cache of the center's connection. SQLite's default
// (2 MB) holds a few hundred homes: with thousands, every batch read their
// rows and index pages back from the OS (a third of the time per alarm of
// BenchmarkStoreDistrict).
const cacheKiB = 64 << 10

const centerDriver = "sqlite3-safehub-center"

func init() {
	sqlitedb.RegisterDriver(centerDriver, walckpt.Pragma(ckptSafetyPages), fmt.Sprintf("PRAGMA cache_size = -%d", cacheKiB))
}

// ckptRestart restarts the log after a complete checkpoint (see
// walckpt.Config.Restart).
const ckptRestart = `UPDATE counters SET n = n + 1 WHERE name = 'wal_restarts'`

func startCheckpointer(dsn string, clock clockwork.Clock) (*walckpt.Checkpointer, error) {
	c, err := walckpt.Start(dsn, walckpt.Config{Every: ckptEvery, Period: ckptPeriod, Restart: ckptRestart, Clock: clock})
	if err != nil {
		return nil, fmt.Errorf("alarmdb: %w", err)
	}
	return c, nil
}
