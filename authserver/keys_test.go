package authserver

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestRotationCreatesOneKey: when the signing key is due for rotation,
// many requests at once create one new key, and a second instance on the
// same store then takes that key instead of making its own. (Two
// instances rotating at the same instant may still both create one; both
// are published and the newest wins.)
func TestRotationCreatesOneKey(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Now().Unix())
	now := func() time.Time { return time.Unix(clock.Load(), 0) }
	a := newTestServer(t, func(c *Config) { c.Now = now })
	b := restartedServer(t, a, func(c *Config) { c.Now = now })
	ctx := context.Background()

	clock.Add(int64((keyLifetime - keyRotateBefore + time.Hour) / time.Second))
	kids := make(chan string, 40)
	for _, srv := range []*Server{a.srv, b} {
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				k, err := srv.keys.signer(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				kids <- k.id
			}()
		}
		wg.Wait()
	}
	close(kids)
	keys, err := a.store.SigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 {
		t.Fatalf("%d signing keys after the rotation, want 2 (the old one and one new)", len(keys))
	}
	for kid := range kids {
		if kid != keys[0].ID {
			t.Errorf("a request signed with %s, want the new key %s", kid, keys[0].ID)
		}
	}
}

// restartedServer builds a second server on env's store, as a second
// instance would be.
func restartedServer(t *testing.T, env *testEnv, change func(*Config)) *Server {
	t.Helper()
	cfg := env.cfg
	change(&cfg)
	srv, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return srv
}
