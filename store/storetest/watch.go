package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/scopegate/scopegate/store"
)

// testWatchRevocations: every backend tells a watcher of its own
// revocations within a second (store.RevocationWatcher), and stops when
// the watch's context ends.
func testWatchRevocations(t *testing.T, s store.Store) {
	w, ok := s.(store.RevocationWatcher)
	if !ok {
		t.Fatalf("%T does not implement store.RevocationWatcher", s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	changed := make(chan struct{}, 64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.WatchRevocations(ctx, func() { changed <- struct{}{} })
	}()
	n := 0
	revoke := func() {
		t.Helper()
		n++
		now := time.Now()
		r := store.Revocation{TokenID: fmt.Sprintf("watched-%d", n), RevokedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := s.RevokeToken(context.Background(), r); err != nil {
			t.Fatalf("RevokeToken: %v", err)
		}
	}
	// The watch starts in the background: revoke until it has heard once.
	deadline := time.After(5 * time.Second)
heard:
	for {
		revoke()
		select {
		case <-changed:
			break heard
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatal("no call of changed within 5 s of revoking")
		}
	}
	// From now on, each revocation is heard within a second.
	for range 3 {
		time.Sleep(100 * time.Millisecond)
		for len(changed) > 0 {
			<-changed
		}
		revoke()
		select {
		case <-changed:
		case <-time.After(time.Second):
			t.Fatal("a revocation was not heard within 1 s")
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("WatchRevocations did not return after its context ended")
	}
}
