// The change notifier: the console's live connections hear that something
// changed, one pending signal per listener.

package center

import (
	"sync"
)

// notifier fans a "something changed" signal out to the console's live
// connections; each listener's channel holds one pending signal at most.
type notifier struct {
	mu     sync.Mutex
	subs   map[chan struct{}]bool
	closed bool
}

func newNotifier() *notifier { return &notifier{subs: map[chan struct{}]bool{}} }

func (n *notifier) subscribe() (<-chan struct{}, func()) {
	n.mu.Lock()
	defer n.mu.Unlock()
	ch := make(chan struct{}, 1)
	if n.closed {
		close(ch)
		return ch, func() {}
	}
	n.subs[ch] = true
	return ch, func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		if n.subs[ch] {
			delete(n.subs, ch)
			close(ch)
		}
	}
}

func (n *notifier) send() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for ch := range n.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

func (n *notifier) close() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.closed = true
	for ch := range n.subs {
		delete(n.subs, ch)
		close(ch)
	}
}
