package token

import (
	"fmt"
	"testing"
	"time"
)

func TestCacheStaysBounded(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		size    int
		inserts int
		wantMax int
	}{
		{"tiny", 10, 1000, 10},
		{"small", 100, 1000, 100},
		{"default", DefaultCacheSize, 30000, DefaultCacheSize + maxCacheShards},
		{"exactly full", 640, 640, 640},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newCache(tc.size)
			for i := range tc.inserts {
				c.put(keyOf(fmt.Sprint(i)), cacheEntry{claims: &Claims{}, until: now.Add(time.Minute)}, now)
			}
			if got := c.len(); got > tc.wantMax || got == 0 {
				t.Errorf("after %d inserts len = %d; want 1..%d", tc.inserts, got, tc.wantMax)
			}
		})
	}
}

func TestCachePutDropsExpiredEntries(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c := newCache(DefaultCacheSize)
	for i := range 200 {
		c.put(keyOf(fmt.Sprint("old", i)), cacheEntry{claims: &Claims{}, until: now.Add(time.Second)}, now)
	}
	later := now.Add(time.Minute)
	// One store per shard sweeps that shard's expired entries.
	for i := range 2000 {
		c.put(keyOf(fmt.Sprint("new", i)), cacheEntry{claims: &Claims{}, until: later.Add(time.Minute)}, later)
	}
	for i := range 200 {
		if _, ok := c.get(keyOf(fmt.Sprint("old", i))); ok {
			t.Fatalf("expired entry old%d still cached after later stores", i)
		}
	}
}

func TestCacheRemove(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c := newCache(100)
	k, other := keyOf("a"), keyOf("b")
	c.put(k, cacheEntry{claims: &Claims{}, until: now.Add(time.Minute)}, now)
	c.put(other, cacheEntry{claims: &Claims{}, until: now.Add(time.Minute)}, now)
	c.remove(k)
	if _, ok := c.get(k); ok {
		t.Errorf("get after remove found the entry; want it gone")
	}
	if _, ok := c.get(other); !ok {
		t.Errorf("remove of one key dropped another")
	}
}
