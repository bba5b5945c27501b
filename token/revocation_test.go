package token_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/scopegate/scopegate/token"
)

// TestRevokedTokenRefused: a revoked token is refused from the next call
// on, also when its verification is cached; other tokens of the issuer,
// and the same jti from another issuer, are unaffected.
func TestRevokedTokenRefused(t *testing.T) {
	revoked := new(token.RevocationList)
	f := newFixture(t, func(c *token.Config) { c.Issuers[0].Revoked = revoked })
	ctx := context.Background()
	victim := f.claimsA()
	raw := f.keyA.Sign(t, victim)
	other := f.keyA.Sign(t, f.claimsA())
	fromB := victim
	fromB.Issuer = issuerB
	rawB := f.keyB.Sign(t, fromB)
	for _, r := range []string{raw, other, rawB} {
		if _, err := f.v.Verify(ctx, r); err != nil {
			t.Fatalf("Verify before revocation = %v", err)
		}
	}

	if !revoked.Add(victim.ID, victim.Expiry) {
		t.Fatal("Add of a new jti reported it as known")
	}
	_, err := f.v.Verify(ctx, raw)
	var te *token.Error
	if !errors.Is(err, token.ErrRevoked) || !errors.As(err, &te) {
		t.Errorf("Verify of the revoked, cached token = %v; want an *Error matching ErrRevoked", err)
	}
	if _, err := f.v.Verify(ctx, other); err != nil {
		t.Errorf("Verify of another token of the issuer = %v; want accepted", err)
	}
	if _, err := f.v.Verify(ctx, rawB); err != nil {
		t.Errorf("Verify of the same jti from another issuer = %v; want accepted", err)
	}

	// Uncached: a verifier that never saw the token refuses it too.
	if _, err := newVerifierSharing(t, f, revoked).Verify(ctx, raw); !errors.Is(err, token.ErrRevoked) {
		t.Errorf("uncached Verify of the revoked token = %v; want ErrRevoked", err)
	}
}

// newVerifierSharing builds a verifier with an empty cache for f's issuer A.
func newVerifierSharing(t *testing.T, f *fixture, revoked *token.RevocationList) *token.Verifier {
	t.Helper()
	v, err := token.NewVerifier(token.Config{
		Issuers: []token.Issuer{{URL: issuerA, Audience: audGW, Keys: f.keyA.KeySet(), Revoked: revoked}},
		Now:     f.clock.now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestRevocationList(t *testing.T) {
	var l token.RevocationList
	if l.Contains("a") || l.Len() != 0 {
		t.Fatal("zero list is not empty")
	}
	now := time.Now()
	if !l.Add("a", now.Add(time.Hour)) {
		t.Error("first Add of a reported it as known")
	}
	l.Add("gone", now.Add(-time.Second)) // its token has expired already
	if !l.Contains("a") || l.Contains("b") {
		t.Fatalf("Contains: a=%v b=%v, want true, false", l.Contains("a"), l.Contains("b"))
	}
	if l.Add("a", now.Add(time.Hour)) {
		t.Error("second Add of a reported it as new")
	}
	// Many revocations at once (anyone can replay their own codes): all
	// of them hold, and expired ones are dropped as their shards change.
	for i := range 5000 {
		l.Add(fmt.Sprintf("bulk-%d", i), now.Add(time.Hour))
	}
	for i := range 5000 {
		if id := fmt.Sprintf("bulk-%d", i); !l.Contains(id) {
			t.Fatalf("%s not revoked after a bulk Add", id)
		}
	}
	// 5000 Adds over 64 shards reach every shard, the expired entry's too.
	if n := l.Len(); n != 5001 || l.Contains("gone") {
		t.Errorf("Len = %d, gone = %v; want 5001 (a and the bulk) and the expired entry dropped", n, l.Contains("gone"))
	}
}

// TestRevokedTokenCostsNoSignature: a holder who keeps sending a revoked
// token does not make the verifier check its signature again and again.
func TestRevokedTokenCostsNoSignature(t *testing.T) {
	revoked := new(token.RevocationList)
	f, ks := newCountingFixture(t, func(c *token.Config) { c.Issuers[0].Revoked = revoked })
	claims := f.claimsA()
	raw := f.keyA.Sign(t, claims)
	if _, err := f.v.Verify(context.Background(), raw); err != nil {
		t.Fatalf("Verify before revocation = %v", err)
	}
	revoked.Add(claims.ID, claims.Expiry)
	before := ks.calls.Load()
	for range 5 {
		if _, err := f.v.Verify(context.Background(), raw); !errors.Is(err, token.ErrRevoked) {
			t.Fatalf("Verify of the revoked token = %v; want ErrRevoked", err)
		}
	}
	if n := ks.calls.Load() - before; n != 0 {
		t.Errorf("%d signature checks for 5 calls with a revoked token; want 0", n)
	}
}

// TestRevokedGrantRefused: revoking a grant refuses every token that
// carries its gid, cached or not, and nothing else: not tokens of other
// grants, not tokens without a grant, and not a token whose jti happens to
// be spelled like the grant.
func TestRevokedGrantRefused(t *testing.T) {
	revoked := new(token.RevocationList)
	f := newFixture(t, func(c *token.Config) { c.Issuers[0].Revoked = revoked })
	ctx := context.Background()
	sign := func(gid, jti string) string {
		c := f.claimsA()
		c.GrantID = gid
		if jti != "" {
			c.ID = jti
		}
		return f.keyA.Sign(t, c)
	}
	first, second := sign("g1", ""), sign("g1", "")
	otherGrant, noGrant, lookalike := sign("g2", ""), sign("", ""), sign("g3", "g1")
	all := []string{first, second, otherGrant, noGrant, lookalike}
	for _, r := range all[:4] { // warm the cache for some
		if _, err := f.v.Verify(ctx, r); err != nil {
			t.Fatalf("Verify before revocation = %v", err)
		}
	}
	if !revoked.RevokeGrant("g1", time.Now().Add(time.Hour)) || revoked.RevokeGrant("g1", time.Now().Add(time.Hour)) {
		t.Error("RevokeGrant did not report g1 as new exactly once")
	}
	if !revoked.GrantRevoked("g1") || revoked.GrantRevoked("g2") || revoked.Contains("g1") {
		t.Error("GrantRevoked/Contains disagree with what was revoked")
	}
	fresh := newVerifierSharing(t, f, revoked)
	for _, v := range []*token.Verifier{f.v, fresh} {
		for i, r := range all {
			_, err := v.Verify(ctx, r)
			if want := i < 2; errors.Is(err, token.ErrRevoked) != want || (!want && err != nil) {
				t.Errorf("Verify of token %d = %v; want revoked: %v", i, err, want)
			}
		}
	}
}
