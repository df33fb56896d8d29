package store

import (
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/safehub-iot/safehub/internal/sqlitedb"
	"github.com/safehub-iot/safehub/internal/sqlitedb/walckpt"
)

// The store's writer leaves WAL checkpoints to a walckpt.Checkpointer, so
// an alarm's commit never pays for one (see package walckpt).
const (
	// ckptEvery is how many writes wake the background checkpointer.
	ckptEvery = 64
	// ckptPeriod checkpoints anything left after a quiet spell.
	ckptPeriod = 5 * time.Second
	// ckptSafetyPages is the writer's own automatic checkpoint (8 MB of
	// log), for a background checkpointer that cannot finish.
	ckptSafetyPages = 2000
)

const boxDriver = "sqlite3-safehub-box"

func init() { sqlitedb.RegisterDriver(boxDriver, walckpt.Pragma(ckptSafetyPages)) }

// ckptRestart restarts the log after a complete checkpoint (see
// walckpt.Config.Restart): a counter no one reads but tests.
const ckptRestart = `INSERT INTO meta(key, value) VALUES ('wal_restarts', 1)
	ON CONFLICT(key) DO UPDATE SET value = value + 1`

func startCheckpointer(dsn string) (*walckpt.Checkpointer, error) {
	return walckpt.Start(dsn, walckpt.Config{Every: ckptEvery, Period: ckptPeriod, Restart: ckptRestart, Clock: clockwork.NewRealClock()})
}

// wrote counts a write transaction for the checkpointer.
func (s *Store) wrote() {
	if s.ckpt != nil {
		s.ckpt.Wrote()
	}
}
