package token

import (
	"sync"
	"sync/atomic"
	"time"
)

// RevocationList is the set of token IDs ("jti") an issuer has revoked
// before they expired. It is safe for concurrent use. Revocations are
// rare and lookups happen on every request, so the set is copy-on-write:
// a lookup is one atomic load and, only when the set is not empty, a map
// lookup.
//
// The zero value is an empty list ready to use.
type RevocationList struct {
	m  atomic.Pointer[map[string]time.Time] // jti → when it stops mattering; never modified once stored
	mu sync.Mutex                           // serializes writers
}

// Add revokes the token with ID jti until until, after which the token
// has expired anyway and the entry is dropped. It reports whether jti was
// new to the list.
func (l *RevocationList) Add(jti string, until time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	old := l.load()
	if _, ok := old[jti]; ok {
		return false
	}
	now := time.Now()
	next := make(map[string]time.Time, len(old)+1)
	for id, u := range old {
		if u.After(now) {
			next[id] = u
		}
	}
	next[jti] = until
	l.m.Store(&next)
	return true
}

// Contains reports whether jti is revoked.
func (l *RevocationList) Contains(jti string) bool {
	m := l.load()
	if len(m) == 0 {
		return false
	}
	_, ok := m[jti]
	return ok
}

// Len returns how many revocations the list holds, expired ones included
// until the next Add drops them.
func (l *RevocationList) Len() int { return len(l.load()) }

func (l *RevocationList) load() map[string]time.Time {
	if p := l.m.Load(); p != nil {
		return *p
	}
	return nil
}
