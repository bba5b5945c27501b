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
