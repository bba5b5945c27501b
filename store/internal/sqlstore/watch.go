package sqlstore

import (
	"context"
	"sync"
)

// broadcast wakes every subscriber without blocking: each has a channel
// of one slot, so wake-ups arriving while a subscriber is busy merge into
// one. The zero value is ready to use.
type broadcast struct {
	mu   sync.Mutex
	subs map[chan struct{}]struct{}
}

func (b *broadcast) subscribe() chan struct{} {
	ch := make(chan struct{}, 1)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.subs == nil {
		b.subs = map[chan struct{}]struct{}{}
	}
	b.subs[ch] = struct{}{}
	return ch
}

func (b *broadcast) unsubscribe(ch chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.subs, ch)
}

func (b *broadcast) notify() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// WatchRevocations calls changed after each RevokeToken of this Store, in
// this process (store.RevocationWatcher). Other processes sharing an
// SQLite file are not heard: they are learned by polling. The PostgreSQL
// backend adds LISTEN/NOTIFY on top.
func (s *Store) WatchRevocations(ctx context.Context, changed func()) {
	ch := s.revoked.subscribe()
	defer s.revoked.unsubscribe(ch)
	for {
		select {
		case <-ctx.Done():
			return
		case <-ch:
			changed()
		}
	}
}
