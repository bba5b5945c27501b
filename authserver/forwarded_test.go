package authserver

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"testing"
)

// forwardedBy is the transport of a balancer's hop: every request carries
// the X-Forwarded-For the balancer would write.
type forwardedBy struct {
	next http.RoundTripper
	xff  string
}

func (f forwardedBy) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", f.xff)
	return f.next.RoundTrip(r)
}

// newBrowserVia is a browser whose requests reach the server from peer
// with X-Forwarded-For xff.
func newBrowserVia(t *testing.T, env *testEnv, peer, xff string) *browser {
	b := newBrowserFrom(t, env, peer)
	b.c.Transport = forwardedBy{next: b.c.Transport, xff: xff}
	return b
}

// TestLoginLimitBehindTrustedBalancer: behind a balancer listed in
// TrustedProxies, failures count against the client the balancer names,
// so one attacker is blocked without locking out everybody else who
// shares the balancer's address; entries the attacker prepends do not
// help, and a peer that is not trusted cannot pick its address at all.
func TestLoginLimitBehindTrustedBalancer(t *testing.T) {
	env := newTestServer(t, func(c *Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	})
	attempts := 0
	fail := func(b *browser, n int) *page {
		t.Helper()
		p := b.follow(b.get(loginURL(env)))
		for range n {
			attempts++ // a new name each time: only the address limit applies
			p = b.submit(p, "/oauth2/login", url.Values{"username": {fmt.Sprintf("nobody%d", attempts)}, "password": {"x"}})
		}
		return p
	}
	attacker := newBrowserVia(t, env, "127.0.0.1", "203.0.113.66")
	p := fail(attacker, 20)
	p = attacker.submit(p, "/oauth2/login", url.Values{"username": {"bob"}, "password": {"bob's password"}})
	if p.status != http.StatusTooManyRequests {
		t.Fatalf("after 20 failures from 203.0.113.66 through the balancer: status %d, want 429", p.status)
	}

	alice := newBrowserVia(t, env, "127.0.0.1", "203.0.113.7")
	p = alice.follow(alice.get(loginURL(env)))
	p = alice.submit(p, "/oauth2/login", url.Values{"username": {"alice"}, "password": {alicePassword}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("alice from another client behind the same balancer: status %d, want 303 (one attacker locked everybody out)", p.status)
	}

	spoofing := newBrowserVia(t, env, "127.0.0.1", "198.51.100.1, 203.0.113.66")
	p = spoofing.follow(spoofing.get(loginURL(env)))
	p = spoofing.submit(p, "/oauth2/login", url.Values{"username": {"bob"}, "password": {"bob's password"}})
	if p.status != http.StatusTooManyRequests {
		t.Errorf("the attacker prepending an address of its choice: status %d, want 429", p.status)
	}

	// 127.0.0.5 is not a trusted proxy: its header is ignored, so a new
	// X-Forwarded-For on every attempt still counts against 127.0.0.5.
	for i := range 20 {
		fail(newBrowserVia(t, env, "127.0.0.5", fmt.Sprintf("192.0.2.%d", i+1)), 1)
	}
	direct := newBrowserVia(t, env, "127.0.0.5", "192.0.2.200")
	p = direct.follow(direct.get(loginURL(env)))
	p = direct.submit(p, "/oauth2/login", url.Values{"username": {"bob"}, "password": {"bob's password"}})
	if p.status != http.StatusTooManyRequests {
		t.Errorf("20 failures from an untrusted peer that changed its X-Forwarded-For each time: status %d, want 429", p.status)
	}
}
