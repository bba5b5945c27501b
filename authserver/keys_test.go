package authserver

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/scopegate/scopegate/store"
)

// TestRotationCreatesOneKey: when the signing key is due for rotation,
// many requests at once on three instances sharing a store create one new
// key between them, and every instance signs with it (issue 11).
func TestRotationCreatesOneKey(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Now().Unix())
	now := func() time.Time { return time.Unix(clock.Load(), 0) }
	a := newTestServer(t, func(c *Config) { c.Now = now })
	servers := []*Server{a.srv}
	for range 2 {
		servers = append(servers, restartedServer(t, a, func(c *Config) { c.Now = now }))
	}
	ctx := context.Background()

	clock.Add(int64((keyLifetime - keyRotateBefore + time.Hour) / time.Second))
	kids := make(chan string, 20*len(servers))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for _, srv := range servers {
		for range 20 {
			wg.Go(func() {
				<-start
				k, err := srv.keys.signer(ctx, jose.ES256)
				if err != nil {
					t.Error(err)
					return
				}
				kids <- k.id
			})
		}
	}
	close(start)
	wg.Wait()
	close(kids)
	all, err := a.store.SigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var keys []store.SigningKey
	for _, k := range all {
		if k.Algorithm == string(jose.ES256) {
			keys = append(keys, k)
		}
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

// TestRacingRotationsCreateOneKey: three instances that all read the
// store before any of them stored its new key (the widest race) still
// create one key between them: each names the key it replaces, and the
// store keeps one successor per key. All three then sign with it.
func TestRacingRotationsCreateOneKey(t *testing.T) {
	a := newTestServer(t, nil)
	servers := []*Server{a.srv, restartedServer(t, a, func(*Config) {}), restartedServer(t, a, func(*Config) {})}
	ctx := context.Background()
	before, err := a.store.SigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, srv := range servers {
		wg.Go(func() {
			if err := srv.keys.rotate(ctx, jose.ES256); err != nil {
				t.Errorf("rotate: %v", err)
			}
		})
	}
	wg.Wait()
	after, err := a.store.SigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before)+1 {
		t.Fatalf("%d keys after three racing rotations, %d before; want one more", len(after), len(before))
	}
	for i, srv := range servers {
		if k, err := srv.keys.signer(ctx, jose.ES256); err != nil || k.id != after[0].ID {
			t.Errorf("instance %d signs with %v, %v; want the new key %s", i, k, err, after[0].ID)
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

// TestRotationFailureKeepsSigning: when the store is down as a rotation
// falls due, tokens are still signed with the current key while it stays
// published longer than they live; only later does signing fail.
func TestRotationFailureKeepsSigning(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Now().Unix())
	env := newTestServer(t, func(c *Config) { c.Now = func() time.Time { return time.Unix(clock.Load(), 0) } })
	ctx := context.Background()
	before, err := env.srv.keys.signer(ctx, jose.ES256)
	if err != nil {
		t.Fatal(err)
	}
	env.store.Close() // the store is down from here on

	clock.Add(int64((keyLifetime - keyRotateBefore + time.Hour) / time.Second))
	k, err := env.srv.keys.signer(ctx, jose.ES256)
	if err != nil || k.id != before.id {
		t.Errorf("rotation due, store down: signer = %v, %v; want the current key", k, err)
	}
	// Closer to the key's expiry than a token lives: its tokens would
	// outlive it in the JWKS.
	clock.Add(int64((keyRotateBefore - time.Hour - DefaultAccessTokenTTL/2) / time.Second))
	if k, err := env.srv.keys.signer(ctx, jose.ES256); err == nil {
		t.Errorf("key about to expire, store down: signer = %s, want an error", k.id)
	}
}

// TestRSAKeyRotates: the RS256 key rotates like the ES256 one; the JWKS
// then publishes both RSA keys, ID tokens are signed with the new one,
// and go-oidc verifies them through the JWKS alone.
func TestRSAKeyRotates(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Now().Unix())
	env := newTestServer(t, func(c *Config) { c.Now = func() time.Time { return time.Unix(clock.Load(), 0) } })
	ctx := context.Background()
	before, err := env.srv.keys.signer(ctx, jose.RS256)
	if err != nil {
		t.Fatal(err)
	}
	clock.Add(int64((keyLifetime - keyRotateBefore + time.Hour) / time.Second))
	after, err := env.srv.keys.signer(ctx, jose.RS256)
	if err != nil || after.id == before.id || after.alg != jose.RS256 {
		t.Fatalf("after the rotation: signer %v, %v; want a new RS256 key", after, err)
	}
	var set struct{ Keys []struct{ Kid, Alg string } }
	getJSON(t, env, "/oauth2/jwks", &set)
	published := map[string]string{}
	for _, k := range set.Keys {
		published[k.Kid] = k.Alg
	}
	if published[before.id] != "RS256" || published[after.id] != "RS256" {
		t.Errorf("JWKS %v, want the old and the new RSA key", published)
	}
	provider, tok := oidcLogin(t, env, printerID, printerSecret, printerRedir, "openid")
	raw, _ := tok.Extra("id_token").(string)
	if kid := jwtHeader(t, raw)["kid"]; kid != after.id {
		t.Errorf("ID token signed with %v, want the new key %s", kid, after.id)
	}
	if _, err := provider.Verifier(&oidc.Config{ClientID: printerID}).Verify(oidc.ClientContext(ctx, env.ts.Client()), raw); err != nil {
		t.Errorf("go-oidc: %v", err)
	}
}
