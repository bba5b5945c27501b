package authserver

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"testing"
)

// TestLoginLimitSharedByInstances: failed logins are counted in the store,
// so three instances on one store allow five failures of an account from
// an address between them, not five each (issue 11). The browser is handed
// from instance to instance as a load balancer would, over real HTTP.
func TestLoginLimitSharedByInstances(t *testing.T) {
	env := newTestServer(t, nil)
	instances := []*Server{env.srv, restartedServer(t, env, func(*Config) {}), restartedServer(t, env, func(*Config) {})}
	b := newBrowser(t, env)
	p := b.follow(b.get(loginURL(env)))
	for i := range 5 {
		env.use(instances[i%3])
		p = b.submit(p, "/oauth2/login", url.Values{"username": {"alice"}, "password": {"wrong"}})
		if p.status != http.StatusUnauthorized {
			t.Fatalf("failure %d on instance %d: status %d, want 401", i+1, i%3, p.status)
		}
	}
	// Instance 2 saw only one failure itself.
	env.use(instances[2])
	p = b.submit(p, "/oauth2/login", url.Values{"username": {"alice"}, "password": {alicePassword}})
	if p.status != http.StatusTooManyRequests {
		t.Fatalf("6th attempt, on an instance that saw one failure: status %d, want 429", p.status)
	}
}

// TestLoginLimitConcurrentInstances: attempts racing on three instances
// still pass the limit at most five times: the store reserves before the
// password is compared.
func TestLoginLimitConcurrentInstances(t *testing.T) {
	env := newTestServer(t, nil)
	instances := []*Server{env.srv, restartedServer(t, env, func(*Config) {}), restartedServer(t, env, func(*Config) {})}
	var mu sync.Mutex
	counts := map[int]int{}
	var wg sync.WaitGroup
	for i := range 15 {
		srv := instances[i%3]
		wg.Go(func() {
			// Each instance's own limiter would allow five: only the
			// shared one can hold the total to five.
			_, ok, err := srv.reserveLogin(context.Background(), "alice", "192.0.2.1")
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("reserveLogin: %v", err)
			}
			if ok {
				counts[i%3]++
			}
		})
	}
	wg.Wait()
	if total := counts[0] + counts[1] + counts[2]; total != 5 {
		t.Fatalf("%d attempts allowed across three instances (%v); want 5", total, counts)
	}
}

// TestLoginFailsClosedWithoutStore: when the store cannot count an
// attempt, the password is not compared and the answer is 503, never a
// sign-in or an uncounted 401 (RFC 9700 asks nothing here; fail-closed is
// our rule for outages).
func TestLoginFailsClosedWithoutStore(t *testing.T) {
	env := newTestServer(t, nil)
	b := newBrowser(t, env)
	p := b.follow(b.get(loginURL(env)))
	var compared int
	env.srv.bcryptCompare = func(hash, pw []byte) error { compared++; return nil }
	env.store.Close()
	p = b.submit(p, "/oauth2/login", url.Values{"username": {"alice"}, "password": {alicePassword}})
	if p.status != http.StatusServiceUnavailable || compared != 0 {
		t.Fatalf("login with the store down: status %d, %d compares; want 503 and none", p.status, compared)
	}
}
