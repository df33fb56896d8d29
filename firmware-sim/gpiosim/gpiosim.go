// Package gpiosim simulates the box's GPIO pins with periph's own gpiotest
// pins, so the real gpio driver runs unchanged: a scenario presses a button
// or opens a door by pushing edges, exactly as the kernel would report them.
package gpiosim

import (
	"fmt"
	"sync"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"github.com/safehub-iot/safehub/gateway"
)

// Bank is a set of simulated pins, created on first use by name.
type Bank struct {
	clock  gateway.Clock
	mu     sync.Mutex
	pins   map[string]*Pin
	broken map[string]error
}

// Pin is periph's gpiotest pin with a wire attached: a level set on the
// wire stays when the driver configures the pin, as a real contact would
// hold the line against the pull resistor.
type Pin struct {
	*gpiotest.Pin
	mu    sync.Mutex
	wired *gpio.Level
}

// In implements gpio.PinIn.
func (p *Pin) In(pull gpio.Pull, edge gpio.Edge) error {
	err := p.Pin.In(pull, edge)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.wired != nil {
		_ = p.Pin.Out(*p.wired)
	}
	return err
}

// NewBank returns an empty bank whose pins time out on clock.
func NewBank(clock gateway.Clock) *Bank {
	return &Bank{clock: clock, pins: map[string]*Pin{}, broken: map[string]error{}}
}

// Pin returns the named pin, creating it.
func (b *Bank) Pin(name string) *Pin {
	b.mu.Lock()
	defer b.mu.Unlock()
	p, ok := b.pins[name]
	if !ok {
		p = &Pin{Pin: &gpiotest.Pin{N: name, Num: len(b.pins), Clock: b.clock, EdgesChan: make(chan gpio.Level, 256)}}
		b.pins[name] = p
	}
	return p
}

// Open is gateway.Hardware's GPIO: it fails for a pin marked broken.
func (b *Bank) Open(name string) (gpio.PinIO, error) {
	b.mu.Lock()
	err := b.broken[name]
	b.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return b.Pin(name), nil
}

// Break makes opening the pin fail (a pin claimed by another process, a
// missing overlay) until Repair.
func (b *Bank) Break(name string, err error) {
	if err == nil {
		err = fmt.Errorf("gpiosim: %s: device or resource busy", name)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.broken[name] = err
}

// Repair undoes Break.
func (b *Bank) Repair(name string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.broken, name)
}

// Set drives the pin's input to level, as the wire would: the driver sees
// an edge and reads the level.
func (b *Bank) Set(name string, l gpio.Level) {
	p := b.Pin(name)
	p.mu.Lock()
	p.wired = &l
	p.mu.Unlock()
	p.EdgesChan <- l
}

// Level is the pin's current level (an output's state).
func (b *Bank) Level(name string) gpio.Level {
	return b.Pin(name).Read()
}
