package authserver

import (
	"sync"
	"time"
)

// limiterMaxKeys bounds the memory an attacker can make us spend by
// inventing usernames or addresses.
const limiterMaxKeys = 100_000

// limiter counts failures per key in fixed windows and blocks a key that
// reached max failures until its window ends. It lives in memory, per
// instance; behind a load balancer each instance counts on its own.
type limiter struct {
	max     int
	window  time.Duration
	now     func() time.Time
	maxKeys int // limiterMaxKeys, smaller in tests

	mu sync.Mutex
	m  map[string]*failWindow
}

type failWindow struct {
	start time.Time
	n     int
}

// pairKey is the limiter key of a name and a client address. Addresses
// never hold NUL, so two different pairs cannot make the same key.
func pairKey(a, b string) string { return a + "\x00" + b }

func newLimiter(max int, window time.Duration, now func() time.Time) *limiter {
	return &limiter{max: max, window: window, now: now, maxKeys: limiterMaxKeys, m: map[string]*failWindow{}}
}

// blocked reports whether key has used up its failures.
func (l *limiter) blocked(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.m[key]
	return ok && l.now().Sub(w.start) < l.window && w.n >= l.max
}

// fail records one failure of key. When the table is full and nothing can
// be evicted, every key in it is blocked: an attack is under way, and a
// new key goes uncounted rather than freeing a blocked one.
func (l *limiter) fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	w, ok := l.m[key]
	if !ok || now.Sub(w.start) >= l.window {
		if !ok && len(l.m) >= l.maxKeys && !l.evict(now) {
			return
		}
		l.m[key] = &failWindow{start: now, n: 1}
		return
	}
	w.n++
}

// reserve counts one failure of key before the work it guards (a bcrypt
// comparison) and reports whether key was still below its limit; a
// refused reservation counts nothing. Checking and counting under one lock
// means concurrent attempts cannot all pass the check before the first of
// them is counted. A success gives its reservation back with refund.
func (l *limiter) reserve(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	w, ok := l.m[key]
	if ok && now.Sub(w.start) < l.window {
		if w.n >= l.max {
			return false
		}
		w.n++
		return true
	}
	if !ok && len(l.m) >= l.maxKeys && !l.evict(now) {
		// As in fail: the table is full of blocked keys; the new key goes
		// uncounted, and the other limits still bound it.
		return true
	}
	l.m[key] = &failWindow{start: now, n: 1}
	return true
}

// refund gives back one reservation of key.
func (l *limiter) refund(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if w, ok := l.m[key]; ok {
		if w.n--; w.n <= 0 {
			delete(l.m, key)
		}
	}
}

// reset forgets the failures of key, after a success.
func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.m, key)
}

// evict drops expired windows, then windows still below the limit, until
// the table is half full; blocked keys are never dropped, so flooding the
// table cannot unblock anyone. It reports whether there is room.
func (l *limiter) evict(now time.Time) bool {
	for k, w := range l.m {
		if now.Sub(w.start) >= l.window {
			delete(l.m, k)
		}
	}
	for k, w := range l.m {
		if len(l.m) < l.maxKeys/2 {
			break
		}
		if w.n < l.max {
			delete(l.m, k)
		}
	}
	return len(l.m) < l.maxKeys
}

// spreadLimiter counts, per key, the distinct client addresses that failed
// within a window, and refuses new addresses for the key once max did. However
// often one address fails, it counts once: one address can never use up
// the limit of an account or client that others share.
type spreadLimiter struct {
	max     int
	window  time.Duration
	now     func() time.Time
	maxKeys int

	mu sync.Mutex
	m  map[string]*spreadWindow
}

type spreadWindow struct {
	start time.Time
	addrs map[string]int // reservations held per address
}

func newSpreadLimiter(max int, window time.Duration, now func() time.Time) *spreadLimiter {
	return &spreadLimiter{max: max, window: window, now: now, maxKeys: limiterMaxKeys, m: map[string]*spreadWindow{}}
}

// reserve counts a failure of key from addr ahead of the work it guards,
// and reports whether key was still below its limit.
func (l *spreadLimiter) reserve(key, addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	w, ok := l.m[key]
	if !ok || now.Sub(w.start) >= l.window {
		if !ok && len(l.m) >= l.maxKeys && !l.evict(now) {
			return true // as limiter.reserve: uncounted
		}
		w = &spreadWindow{start: now, addrs: map[string]int{}}
		l.m[key] = w
	}
	// Addresses already counted keep going, within their own per-address
	// limits; a new address is refused once max addresses failed.
	if w.addrs[addr] == 0 && len(w.addrs) >= l.max {
		return false
	}
	w.addrs[addr]++
	return true
}

// refund gives back one reservation of key from addr.
func (l *spreadLimiter) refund(key, addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.m[key]
	if !ok || w.addrs[addr] == 0 {
		return
	}
	if w.addrs[addr]--; w.addrs[addr] == 0 {
		delete(w.addrs, addr)
	}
	if len(w.addrs) == 0 {
		delete(l.m, key)
	}
}

// evict works as limiter.evict.
func (l *spreadLimiter) evict(now time.Time) bool {
	for k, w := range l.m {
		if now.Sub(w.start) >= l.window {
			delete(l.m, k)
		}
	}
	for k, w := range l.m {
		if len(l.m) < l.maxKeys/2 {
			break
		}
		if len(w.addrs) < l.max {
			delete(l.m, k)
		}
	}
	return len(l.m) < l.maxKeys
}
