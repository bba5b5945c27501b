package proxy

import (
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"time"
	"unsafe"
)

// sessionCache keeps decoded session cookies, so that a request with a
// known cookie costs a hash and a map lookup instead of an HMAC check and
// AES decryption. Keys are SHA-256 of the cookie value: the cache never
// holds a usable cookie. Only cookies that verified are stored, so it can
// be filled only with sessions we issued; each shard is bounded and drops
// an expired, else an arbitrary, entry to make room.
type sessionCache struct {
	perShard int
	shards   [sessionShards]sessionShard
}

const sessionShards = 16

type sessionShard struct {
	mu sync.RWMutex
	m  map[[sha256.Size]byte]sessionEntry
	_  [40]byte // keep neighbouring shards off one cache line
}

type sessionEntry struct {
	s     *liveSession
	until time.Time // the session's token expiry; after it the entry is worthless
}

func newSessionCache(size int) *sessionCache {
	c := &sessionCache{perShard: max(size/sessionShards, 1)}
	for i := range c.shards {
		c.shards[i].m = make(map[[sha256.Size]byte]sessionEntry)
	}
	return c
}

func sessionKey(v string) [sha256.Size]byte {
	// sha256 only reads its input, so viewing the string in place is safe.
	return sha256.Sum256(unsafe.Slice(unsafe.StringData(v), len(v)))
}

func (c *sessionCache) shard(k *[sha256.Size]byte) *sessionShard {
	return &c.shards[binary.LittleEndian.Uint64(k[:8])%sessionShards]
}

func (c *sessionCache) get(v string) *liveSession {
	k := sessionKey(v)
	sh := c.shard(&k)
	sh.mu.RLock()
	e, ok := sh.m[k]
	sh.mu.RUnlock()
	if !ok {
		return nil
	}
	return e.s
}

func (c *sessionCache) put(v string, s *liveSession, until time.Time) {
	k := sessionKey(v)
	sh := c.shard(&k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if len(sh.m) >= c.perShard {
		now := time.Now()
		var victim [sha256.Size]byte
		found := false
		for key, e := range sh.m {
			victim, found = key, true
			if e.until.Before(now) {
				break
			}
		}
		if found {
			delete(sh.m, victim)
		}
	}
	sh.m[k] = sessionEntry{s: s, until: until}
}
