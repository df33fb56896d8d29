package i2csim

import (
	"errors"
	"fmt"
	"sync"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/physic"
)

// ErrNACK is returned for a transaction no chip acknowledged: nothing at the
// address, a pulled wire, or a NACK storm.
var ErrNACK = errors.New("i2csim: no acknowledge")

// Chip is a device on a simulated bus. Tx is one I²C transaction addressed to
// the chip: w is written first, then r is filled.
type Chip interface {
	Tx(w, r []byte) error
}

// Bus is a simulated I²C bus implementing periph's i2c.Bus. The zero value is
// not usable; call NewBus.
type Bus struct {
	name string

	mu    sync.RWMutex
	chips map[uint16]Chip
}

// NewBus returns an empty bus; name is what String reports (e.g. "1").
func NewBus(name string) *Bus {
	return &Bus{name: name, chips: map[uint16]Chip{}}
}

// Attach connects c at addr. Two chips at one address is an error, as it is a
// wiring mistake on a real board.
func (b *Bus) Attach(addr uint16, c Chip) error {
	if addr > 0x7F {
		return fmt.Errorf("i2csim: attach at %#x: not a 7-bit address", addr)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, dup := b.chips[addr]; dup {
		return fmt.Errorf("i2csim: attach at %#x: address already in use", addr)
	}
	b.chips[addr] = c
	return nil
}

// Detach removes the chip at addr, if any.
func (b *Bus) Detach(addr uint16) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.chips, addr)
}

// String implements i2c.Bus.
func (b *Bus) String() string { return "i2csim(" + b.name + ")" }

// SetSpeed implements i2c.Bus; the simulated bus runs at any speed.
func (b *Bus) SetSpeed(physic.Frequency) error { return nil }

// Tx implements i2c.Bus.
func (b *Bus) Tx(addr uint16, w, r []byte) error {
	b.mu.RLock()
	c := b.chips[addr]
	b.mu.RUnlock()
	if c == nil {
		return fmt.Errorf("i2c tx at %#x: %w", addr, ErrNACK)
	}
	if err := c.Tx(w, r); err != nil {
		return fmt.Errorf("i2c tx at %#x: %w", addr, err)
	}
	return nil
}

var _ i2c.Bus = (*Bus)(nil)
