package token

import (
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// The cache is split into shards so that a store copies only a small map
// and concurrent stores rarely wait for each other. Shard counts are powers
// of two, so the shard is picked with a mask; a small cache gets fewer
// shards so that its bound stays close to the configured size.
const (
	maxCacheShards   = 256
	minShardCapacity = 32
)

// cacheKey is the SHA-256 of the raw token. Hashing means the cache never
// holds a usable token, and a collision (which would let one token pass as
// another) is infeasible.
type cacheKey [sha256.Size]byte

// cacheEntry is one successful verification.
type cacheEntry struct {
	claims *Claims   // shared, never modified
	issuer int       // index into Verifier.issuers that verified it
	until  time.Time // not used after this instant, whatever the token says
}

// cache maps token hashes to verified claims. It is bounded: each shard
// holds at most perShard entries and drops an expired, else an arbitrary,
// entry to make room. Only successful verifications are stored, so an
// attacker can fill it only with tokens the issuer really signed.
//
// Each shard's map is copy-on-write behind an atomic pointer: a hit is one
// atomic load and a map lookup, with no lock and no write to shared memory,
// so concurrent requests for the same token do not contend. A store copies
// one shard (about perShard entries), which is small next to the signature
// check that precedes it.
type cache struct {
	perShard int
	mask     uint64
	shards   []cacheShard
}

type cacheShard struct {
	m  atomic.Pointer[map[cacheKey]cacheEntry] // never modified once stored
	mu sync.Mutex                              // serializes writers
	_  [64]byte                                // keep neighbouring shards off one cache line
}

// newCache returns a cache holding at most size entries (rounded up to a
// multiple of the shard count).
func newCache(size int) *cache {
	n := 1
	for n*2 <= maxCacheShards && n*2*minShardCapacity <= size {
		n *= 2
	}
	c := &cache{perShard: max((size+n-1)/n, 1), mask: uint64(n - 1), shards: make([]cacheShard, n)}
	for i := range c.shards {
		m := make(map[cacheKey]cacheEntry)
		c.shards[i].m.Store(&m)
	}
	return c
}

// keyOf hashes raw without copying it: sha256 only reads its input, so
// viewing the string's bytes in place is safe and keeps a hit free of
// allocations.
func keyOf(raw string) cacheKey {
	return sha256.Sum256(unsafe.Slice(unsafe.StringData(raw), len(raw)))
}

func (c *cache) shard(k cacheKey) *cacheShard {
	return &c.shards[binary.LittleEndian.Uint64(k[:8])&c.mask]
}

func (c *cache) get(k cacheKey) (cacheEntry, bool) {
	e, ok := (*c.shard(k).m.Load())[k]
	return e, ok
}

func (c *cache) put(k cacheKey, e cacheEntry, now time.Time) {
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	old := *s.m.Load()
	m := make(map[cacheKey]cacheEntry, min(len(old)+1, c.perShard))
	for ok, oe := range old {
		if now.Before(oe.until) {
			m[ok] = oe
		}
	}
	if _, ok := m[k]; !ok && len(m) >= c.perShard {
		evictOne(m)
	}
	m[k] = e
	s.m.Store(&m)
}

func (c *cache) remove(k cacheKey) {
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	old := *s.m.Load()
	if _, ok := old[k]; !ok {
		return
	}
	m := make(map[cacheKey]cacheEntry, len(old))
	for ok, oe := range old {
		if ok != k {
			m[ok] = oe
		}
	}
	s.m.Store(&m)
}

// evictOne removes the entry map iteration yields first. Iteration starts
// at a random place, so this is random eviction without a random source;
// expired entries were already dropped by the copy in put.
func evictOne(m map[cacheKey]cacheEntry) {
	for k := range m {
		delete(m, k)
		return
	}
}

func (c *cache) len() int {
	n := 0
	for i := range c.shards {
		n += len(*c.shards[i].m.Load())
	}
	return n
}
