package token_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/scopegate/scopegate/token"
	"github.com/scopegate/scopegate/token/tokentest"
)

// remoteFixture is a Verifier trusting one fake provider over real HTTP.
type remoteFixture struct {
	iss   *tokentest.Issuer
	clock *clock
	v     *token.Verifier
}

func newRemoteFixture(t *testing.T) *remoteFixture {
	t.Helper()
	f := &remoteFixture{iss: tokentest.NewIssuer(t), clock: newClock()}
	keys := token.NewRemoteKeySet(f.iss.URL, f.iss.Client(), token.RemoteOptions{Now: f.clock.now})
	v, err := token.NewVerifier(token.Config{
		Issuers:   []token.Issuer{{URL: f.iss.URL, Audience: audGW, Keys: keys}},
		Now:       f.clock.now,
		CacheSize: -1, // every call must reach the key set
	})
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	f.v = v
	return f
}

func (f *remoteFixture) sign(t *testing.T, opts ...tokentest.Option) string {
	t.Helper()
	return f.iss.Sign(t, tokentest.ClaimsAt(f.clock.t, f.iss.URL, audGW, subject, readScope), opts...)
}

func TestRemoteIssuerVerifies(t *testing.T) {
	f := newRemoteFixture(t)
	ctx := context.Background()
	for i := range 3 {
		if _, err := f.v.Verify(ctx, f.sign(t)); err != nil {
			t.Fatalf("Verify #%d = %v; want accepted", i, err)
		}
	}
	if got := f.iss.JWKSFetches(); got != 1 {
		t.Errorf("JWKS fetched %d times for 3 tokens of one key; want 1", got)
	}
	if got := f.iss.DiscoveryFetches(); got != 1 {
		t.Errorf("discovery fetched %d times; want 1", got)
	}
}

func TestRemoteIssuerRefreshesOnNewKey(t *testing.T) {
	f := newRemoteFixture(t)
	ctx := context.Background()
	if _, err := f.v.Verify(ctx, f.sign(t)); err != nil {
		t.Fatalf("Verify before rotation = %v", err)
	}
	f.iss.Rotate(t, false)
	// Within the refresh interval the new key is not fetched yet.
	if _, err := f.v.Verify(ctx, f.sign(t)); !errors.Is(err, token.ErrSignature) {
		t.Fatalf("Verify right after rotation = %v; want %v (rate limited)", err, token.ErrSignature)
	}
	f.clock.t = f.clock.t.Add(token.DefaultMinRefreshInterval)
	if _, err := f.v.Verify(ctx, f.sign(t)); err != nil {
		t.Fatalf("Verify with the new key after the interval = %v; want accepted", err)
	}
	if got := f.iss.JWKSFetches(); got != 2 {
		t.Errorf("JWKS fetched %d times; want 2", got)
	}
}

func TestRemoteIssuerRandomKidsAreRateLimited(t *testing.T) {
	f := newRemoteFixture(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			raw := f.sign(t, tokentest.WithKeyID(fmt.Sprintf("attacker-%d", i)))
			if _, err := f.v.Verify(ctx, raw); err == nil {
				t.Errorf("token with unknown kid %d accepted", i)
			}
		})
	}
	wg.Wait()
	if got := f.iss.JWKSFetches(); got != 1 {
		t.Errorf("50 unknown kids in one interval caused %d JWKS fetches; want 1", got)
	}
	f.clock.t = f.clock.t.Add(token.DefaultMinRefreshInterval + time.Second)
	for i := range 20 {
		_, _ = f.v.Verify(ctx, f.sign(t, tokentest.WithKeyID(fmt.Sprintf("again-%d", i))))
	}
	if got := f.iss.JWKSFetches(); got != 2 {
		t.Errorf("after one interval JWKS fetched %d times in all; want 2", got)
	}
	// The real key still works throughout.
	if _, err := f.v.Verify(ctx, f.sign(t)); err != nil {
		t.Errorf("valid token after the kid flood = %v; want accepted", err)
	}
}

func TestRemoteIssuerDownThenUp(t *testing.T) {
	f := newRemoteFixture(t)
	ctx := context.Background()
	f.iss.SetDown(true)
	raw := f.sign(t)
	_, err := f.v.Verify(ctx, raw)
	if !errors.Is(err, token.ErrKeysUnavailable) {
		t.Fatalf("Verify while issuer down = %v; want %v", err, token.ErrKeysUnavailable)
	}
	// Failures are rate limited too: no hammering a down issuer.
	_, _ = f.v.Verify(ctx, raw)
	if got := f.iss.DiscoveryFetches(); got != 1 {
		t.Errorf("discovery tried %d times within one interval; want 1", got)
	}
	f.iss.SetDown(false)
	f.clock.t = f.clock.t.Add(token.DefaultMinRefreshInterval)
	if _, err := f.v.Verify(ctx, raw); err != nil {
		t.Fatalf("Verify after issuer came back = %v; want accepted", err)
	}
}

func TestRemoteIssuerKeepsKeysWhenRefreshFails(t *testing.T) {
	f := newRemoteFixture(t)
	ctx := context.Background()
	if _, err := f.v.Verify(ctx, f.sign(t)); err != nil {
		t.Fatalf("Verify = %v", err)
	}
	f.iss.SetDown(true)
	f.clock.t = f.clock.t.Add(token.DefaultKeysMaxAge + time.Second)
	if _, err := f.v.Verify(ctx, f.sign(t)); err != nil {
		t.Errorf("Verify with old keys while issuer is down = %v; want accepted", err)
	}
}

func TestRemoteIssuerDropsRemovedKey(t *testing.T) {
	f := newRemoteFixture(t)
	ctx := context.Background()
	old := f.sign(t)
	if _, err := f.v.Verify(ctx, old); err != nil {
		t.Fatalf("Verify = %v", err)
	}
	f.iss.Rotate(t, false)
	f.clock.t = f.clock.t.Add(token.DefaultKeysMaxAge + time.Second)
	if _, err := f.v.Verify(ctx, old); !errors.Is(err, token.ErrSignature) {
		t.Errorf("Verify with a key no longer published = %v; want %v", err, token.ErrSignature)
	}
}

func TestRemoteIssuerDiscoveryChecks(t *testing.T) {
	tests := []struct {
		name string
		doc  func(base string) string
	}{
		{"issuer mismatch", func(base string) string {
			return `{"issuer":"https://evil.example","jwks_uri":"` + base + `/jwks"}`
		}},
		{"issuer with extra slash", func(base string) string {
			return `{"issuer":"` + base + `/","jwks_uri":"` + base + `/jwks"}`
		}},
		{"no jwks_uri", func(base string) string { return `{"issuer":"` + base + `"}` }},
		{"jwks_uri not http", func(base string) string {
			return `{"issuer":"` + base + `","jwks_uri":"file:///etc/passwd"}`
		}},
		{"not JSON", func(string) string { return `<html>` }},
		{"huge", func(base string) string {
			return `{"issuer":"` + base + `","pad":"` + string(make([]byte, 2<<20)) + `"}`
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			key := tokentest.NewKey(t)
			var srv *httptest.Server
			srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/.well-known/openid-configuration" {
					fmt.Fprint(w, tc.doc(srv.URL))
					return
				}
				fmt.Fprintf(w, `{"keys":[]}`)
			}))
			defer srv.Close()
			v, err := token.NewVerifier(token.Config{
				Issuers: []token.Issuer{token.NewRemoteIssuer(srv.URL, audGW, srv.Client())},
			})
			if err != nil {
				t.Fatalf("NewVerifier: %v", err)
			}
			raw := key.Sign(t, key.Claims(srv.URL, audGW, subject))
			if _, err := v.Verify(context.Background(), raw); !errors.Is(err, token.ErrKeysUnavailable) {
				t.Errorf("Verify = %v; want %v", err, token.ErrKeysUnavailable)
			}
		})
	}
}

func TestRemoteIssuerHonoursContext(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-block
	}))
	defer srv.Close()
	defer close(block)
	key := tokentest.NewKey(t)
	v, err := token.NewVerifier(token.Config{
		Issuers: []token.Issuer{token.NewRemoteIssuer(srv.URL, audGW, srv.Client())},
	})
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = v.Verify(ctx, key.Sign(t, key.Claims(srv.URL, audGW, subject)))
	if !errors.Is(err, token.ErrKeysUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Verify with a hung issuer = %v; want %v caused by the deadline", err, token.ErrKeysUnavailable)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Verify took %v with a 50ms deadline", d)
	}
}
