package token

import (
	"sync"
	"sync/atomic"
	"time"
)

// revocationShards splits each set so that an Add copies a sixty-fourth
// of it: revocations can be made in bulk by anyone able to replay their
// own authorization codes, and copying the whole set each time would grow
// with the square of its size.
const revocationShards = 64

// RevocationList is what an issuer has revoked before expiry: single
// tokens by their "jti", and whole grants by the "gid" their tokens carry
// (every token issued from a grant the user removed, or whose refresh
// token was replayed). It is safe for concurrent use. Revocations are rare
// and lookups happen on every request, so each shard is copy-on-write: a
// lookup is one atomic load and, only when the shard is not empty, a map
// lookup, with no lock and no allocation.
//
// The zero value is an empty list ready to use.
type RevocationList struct {
	tokens revocationSet
	grants revocationSet
}

// revocationSet is one ID space of the list; tokens and grants are kept
// apart so that a jti can never revoke a grant of the same spelling.
type revocationSet struct {
	shards [revocationShards]revocationShard
}

type revocationShard struct {
	m  atomic.Pointer[map[string]time.Time] // ID → when it stops mattering; never modified once stored
	mu sync.Mutex                           // serializes writers
}

// Add revokes the token with ID jti until until, after which the token
// has expired anyway and the entry is dropped. It reports whether jti was
// new to the list.
func (l *RevocationList) Add(jti string, until time.Time) bool { return l.tokens.add(jti, until) }

// Contains reports whether the token with ID jti is revoked. An entry
// whose token has expired may still answer true until its shard next
// changes; the token's own exp refuses it anyway.
func (l *RevocationList) Contains(jti string) bool { return l.tokens.contains(jti) }

// RevokeGrant refuses every token whose "gid" is gid, until until: the
// moment the last access token issued from the grant expires (no new one
// is issued once the grant is revoked). It reports whether gid was new to
// the list. Anything else tied to a grant, such as a session, may ask
// GrantRevoked.
func (l *RevocationList) RevokeGrant(gid string, until time.Time) bool {
	return l.grants.add(gid, until)
}

// GrantRevoked reports whether the grant gid is revoked.
func (l *RevocationList) GrantRevoked(gid string) bool { return l.grants.contains(gid) }

// refuses reports whether c is revoked, by its own ID or by its grant's.
func (l *RevocationList) refuses(c *Claims) bool {
	return (c.ID != "" && l.tokens.contains(c.ID)) || (c.GrantID != "" && l.grants.contains(c.GrantID))
}

// Revocation is one entry of AddAll: a token's "jti", or a grant's "gid"
// when Grant is set, revoked until Until.
type Revocation struct {
	ID    string
	Grant bool
	Until time.Time
}

// AddAll adds rs as Add and RevokeGrant would, one by one, and reports how
// many were new to the list. Each shard is copied once for the whole
// batch instead of once per new entry, so that loading a store's n
// revocations (at start, or a burst that another instance made) costs
// O(n), not O(n²/shards).
func (l *RevocationList) AddAll(rs []Revocation) int {
	var tokens, grants [revocationShards][]Revocation
	for _, r := range rs {
		i := shardOf(r.ID)
		if r.Grant {
			grants[i] = append(grants[i], r)
		} else {
			tokens[i] = append(tokens[i], r)
		}
	}
	return l.tokens.addAll(&tokens) + l.grants.addAll(&grants)
}

// Len returns how many revocations the list holds, tokens and grants,
// expired ones included until the next Add to their shard drops them.
func (l *RevocationList) Len() int { return l.tokens.len() + l.grants.len() }

func (s *revocationSet) add(id string, until time.Time) bool {
	return s.shards[shardOf(id)].add([]Revocation{{ID: id, Until: until}}) == 1
}

// addAll adds each shard's entries, byShard[i] to shard i.
func (s *revocationSet) addAll(byShard *[revocationShards][]Revocation) int {
	n := 0
	for i, rs := range byShard {
		if len(rs) > 0 {
			n += s.shards[i].add(rs)
		}
	}
	return n
}

// add puts the entries of rs that the shard lacks into one new copy of it,
// dropping the expired ones meanwhile, and returns how many were new.
func (sh *revocationShard) add(rs []Revocation) int {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	old := sh.load()
	var next map[string]time.Time // made at the first new entry
	n := 0
	for _, r := range rs {
		if _, ok := old[r.ID]; ok {
			continue
		}
		if next == nil {
			now := time.Now()
			next = make(map[string]time.Time, len(old)+len(rs))
			for k, u := range old {
				if u.After(now) {
					next[k] = u
				}
			}
		} else if _, ok := next[r.ID]; ok {
			continue // twice in rs
		}
		next[r.ID] = r.Until
		n++
	}
	if next != nil {
		sh.m.Store(&next)
	}
	return n
}

func (s *revocationSet) contains(id string) bool {
	m := s.shard(id).load()
	if len(m) == 0 {
		return false
	}
	_, ok := m[id]
	return ok
}

func (s *revocationSet) len() int {
	n := 0
	for i := range s.shards {
		n += len(s.shards[i].load())
	}
	return n
}

// shard picks id's shard.
func (s *revocationSet) shard(id string) *revocationShard { return &s.shards[shardOf(id)] }

// shardOf hashes id to a shard index with FNV-1a, inline so that lookups
// stay allocation-free.
func shardOf(id string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(id); i++ {
		h ^= uint32(id[i])
		h *= 16777619
	}
	return h % revocationShards
}

func (sh *revocationShard) load() map[string]time.Time {
	if p := sh.m.Load(); p != nil {
		return *p
	}
	return nil
}
