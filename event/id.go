package event

import "github.com/google/uuid"

// NewID returns a new UUIDv7 string. The time part comes from uuid's own
// monotonic source, so ids sort by creation order on one box even when two
// are made in the same millisecond.
func NewID() string {
	id, err := uuid.NewV7()
	if err != nil {
		// NewV7 fails only if the system's random source does; uuid.New
		// panics in that case too, which is the right outcome at start-up.
		return uuid.NewString()
	}
	return id.String()
}
