package authserver

import (
	"fmt"
	"testing"
	"time"
)

// TestLimiterFloodKeepsBlockedKeys: filling the table with new keys, as an
// attacker with many addresses could, never unblocks a blocked key;
// partial counts and expired windows make room first.
func TestLimiterFloodKeepsBlockedKeys(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	l := newLimiter(3, time.Minute, func() time.Time { return now })
	l.maxKeys = 100
	for range 3 {
		l.fail("victim")
	}
	if !l.blocked("victim") {
		t.Fatal("victim not blocked after 3 failures")
	}
	for i := range 10_000 {
		l.fail(fmt.Sprintf("flood-%d", i))
	}
	if !l.blocked("victim") {
		t.Error("flooding the table unblocked the victim")
	}
	if n := len(l.m); n > l.maxKeys {
		t.Errorf("table holds %d keys, want at most %d", n, l.maxKeys)
	}

	// A table full of blocked keys takes no new ones, and keeps its own.
	for i := range 200 {
		for range 3 {
			l.fail(fmt.Sprintf("blocked-%d", i))
		}
	}
	l.fail("newcomer")
	if !l.blocked("victim") {
		t.Error("victim unblocked once the table was full of blocked keys")
	}
	// Once windows expire there is room again.
	now = now.Add(time.Minute)
	l.fail("after-expiry")
	if _, ok := l.m["after-expiry"]; !ok {
		t.Error("a new key found no room after every window expired")
	}
}
