package token

import (
	"sync"
	"sync/atomic"
	"time"
)

// revocationShards splits the list so that an Add copies a sixty-fourth of
// it: revocations can be made in bulk by anyone able to replay their own
// authorization codes, and copying the whole set each time would grow
// with the square of its size.
const revocationShards = 64

// RevocationList is the set of token IDs ("jti") an issuer has revoked
// before they expired. It is safe for concurrent use. Revocations are
// rare and lookups happen on every request, so each shard is
// copy-on-write: a lookup is one atomic load and, only when the shard is
// not empty, a map lookup, with no lock and no allocation.
//
// The zero value is an empty list ready to use.
type RevocationList struct {
	shards [revocationShards]revocationShard
}

type revocationShard struct {
	m  atomic.Pointer[map[string]time.Time] // jti → when it stops mattering; never modified once stored
	mu sync.Mutex                           // serializes writers
}

// Add revokes the token with ID jti until until, after which the token
// has expired anyway and the entry is dropped. It reports whether jti was
// new to the list.
func (l *RevocationList) Add(jti string, until time.Time) bool {
	sh := l.shard(jti)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	old := sh.load()
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
	sh.m.Store(&next)
	return true
}

// Contains reports whether jti is revoked. An entry whose token has
// expired may still answer true until its shard next changes; the token's
// own exp refuses it anyway.
func (l *RevocationList) Contains(jti string) bool {
	m := l.shard(jti).load()
	if len(m) == 0 {
		return false
	}
	_, ok := m[jti]
	return ok
}

// Len returns how many revocations the list holds, expired ones included
// until the next Add to their shard drops them.
func (l *RevocationList) Len() int {
	n := 0
	for i := range l.shards {
		n += len(l.shards[i].load())
	}
	return n
}

// shard picks jti's shard with FNV-1a, inline so that lookups stay
// allocation-free.
func (l *RevocationList) shard(jti string) *revocationShard {
	h := uint32(2166136261)
	for i := 0; i < len(jti); i++ {
		h ^= uint32(jti[i])
		h *= 16777619
	}
	return &l.shards[h%revocationShards]
}

func (sh *revocationShard) load() map[string]time.Time {
	if p := sh.m.Load(); p != nil {
		return *p
	}
	return nil
}
