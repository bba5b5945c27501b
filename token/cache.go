package token

import (
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"time"
	"unsafe"
)

// cacheShards splits the cache so that concurrent requests rarely touch the
// same lock. A power of two, so the shard is picked with a mask.
const cacheShards = 64

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
type cache struct {
	perShard int
	shards   [cacheShards]cacheShard
}

type cacheShard struct {
	mu sync.RWMutex
	m  map[cacheKey]cacheEntry
	_  [64]byte // keep neighbouring shard locks off one cache line
}

func newCache(size int) *cache {
	per := (size + cacheShards - 1) / cacheShards
	c := &cache{perShard: max(per, 1)}
	for i := range c.shards {
		c.shards[i].m = make(map[cacheKey]cacheEntry)
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
	return &c.shards[binary.LittleEndian.Uint64(k[:8])&(cacheShards-1)]
}

func (c *cache) get(k cacheKey) (cacheEntry, bool) {
	s := c.shard(k)
	s.mu.RLock()
	e, ok := s.m[k]
	s.mu.RUnlock()
	return e, ok
}

func (c *cache) put(k cacheKey, e cacheEntry, now time.Time) {
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[k]; !ok && len(s.m) >= c.perShard {
		s.evictOne(now)
	}
	s.m[k] = e
}

func (c *cache) remove(k cacheKey) {
	s := c.shard(k)
	s.mu.Lock()
	delete(s.m, k)
	s.mu.Unlock()
}

// evictLook bounds how many entries evictOne inspects for an expired one.
const evictLook = 8

// evictOne removes an expired entry among the first few map iteration
// yields, or else the first one. Map iteration starts at a random place,
// so this is random eviction without keeping a random source.
func (s *cacheShard) evictOne(now time.Time) {
	var victim cacheKey
	seen := 0
	for k, e := range s.m {
		if !now.Before(e.until) {
			delete(s.m, k)
			return
		}
		if seen == 0 {
			victim = k
		}
		seen++
		if seen == evictLook {
			break
		}
	}
	delete(s.m, victim)
}

func (c *cache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.m)
		s.mu.RUnlock()
	}
	return n
}
