package authserver

import (
	"sync"
	"time"

	"github.com/scopegate/scopegate/store"
)

// touchMemoMax bounds how many grants a touchMemo generation remembers;
// beyond it, grants are simply written every time.
const touchMemoMax = 100_000

// touchMemo remembers when this process last recorded each grant's use,
// so that a grant refreshed many times a minute is written about once per
// store.GrantTouchInterval rather than on every refresh. The store would
// change nothing within the interval anyway, but each call still parsed an
// UPDATE and took SQLite's write lock, beside the rotation's. Entries live
// in two generations, each GrantTouchInterval long, so memory follows the
// grants used in the last two intervals.
type touchMemo struct {
	mu        sync.Mutex
	cur, prev map[string]time.Time
	since     time.Time // when cur began
}

// due reports whether the use of grant id at now should be written, and
// if so, remembers it as written.
func (m *touchMemo) due(id string, now time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cur == nil || now.Sub(m.since) >= store.GrantTouchInterval || now.Before(m.since) {
		m.prev, m.cur, m.since = m.cur, make(map[string]time.Time), now
	}
	t, ok := m.cur[id]
	if !ok {
		t, ok = m.prev[id]
	}
	if ok && !now.Before(t) && now.Sub(t) < store.GrantTouchInterval {
		return false
	}
	if len(m.cur) < touchMemoMax {
		m.cur[id] = now
	}
	return true
}

// forget drops grant id, whose write failed, so the next use tries again.
func (m *touchMemo) forget(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.cur, id)
	delete(m.prev, id)
}
