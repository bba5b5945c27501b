package token_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
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

// TestRevocationListAddAll: a batch has the effect of the same entries
// added one by one (new ones counted once, tokens and grants apart,
// expired entries dropped), and copies each shard once, not once per
// entry: loading a store's 100,000 revocations must not take the square.
func TestRevocationListAddAll(t *testing.T) {
	now := time.Now()
	var batch, single token.RevocationList
	single.Add("known", now.Add(time.Hour))
	batch.Add("known", now.Add(time.Hour))
	batch.Add("expired", now.Add(-time.Second))
	var rs []token.Revocation
	for i := range 3000 {
		rs = append(rs, token.Revocation{ID: fmt.Sprintf("id-%d", i), Grant: i%3 == 0, Until: now.Add(time.Hour)})
	}
	rs = append(rs,
		token.Revocation{ID: "id-1", Until: now.Add(time.Hour)},               // twice in the batch
		token.Revocation{ID: "known", Until: now.Add(time.Hour)},              // already in the list
		token.Revocation{ID: "known", Grant: true, Until: now.Add(time.Hour)}, // a grant of a token's spelling
	)
	want := 0
	for _, r := range rs {
		var isNew bool
		if r.Grant {
			isNew = single.RevokeGrant(r.ID, r.Until)
		} else {
			isNew = single.Add(r.ID, r.Until)
		}
		if isNew {
			want++
		}
	}
	if got := batch.AddAll(rs); got != want || want != 3001 {
		t.Errorf("AddAll = %d new; want %d (3000 ids and the grant named known)", got, want)
	}
	for _, r := range rs {
		revoked := batch.Contains(r.ID)
		if r.Grant {
			revoked = batch.GrantRevoked(r.ID)
		}
		if !revoked {
			t.Fatalf("%+v not revoked", r)
		}
	}
	if batch.GrantRevoked("id-1") || batch.Contains("id-0") {
		t.Error("a token's revocation revoked a grant of the same spelling, or the other way round")
	}
	if batch.Contains("expired") || batch.Len() != single.Len() {
		t.Errorf("Len = %d (expired entry kept: %v); want %d, as added one by one", batch.Len(), batch.Contains("expired"), single.Len())
	}
	if got := batch.AddAll(rs); got != 0 {
		t.Errorf("AddAll of known entries = %d new; want 0", got)
	}

	more := make([]token.Revocation, 10_000)
	for i := range more {
		more[i] = token.Revocation{ID: fmt.Sprintf("more-%d", i), Until: now.Add(time.Hour)}
	}
	allocs := testing.AllocsPerRun(1, func() {
		var l token.RevocationList
		l.AddAll(more)
	})
	// One new map per shard, each some allocations of its own; one map
	// per entry would be 10,000 and more.
	if allocs > 64*30 {
		t.Errorf("AddAll of 10,000 entries made %.0f allocations; want one map per shard", allocs)
	}
}

// TestUnregisteredHolderRefused: once Registered says a token's user is
// gone, the token is refused as revoked, cached or not, while another
// user's token of the same issuer still passes. Refusing the cached token
// again costs no signature check, and the token is good again once its
// user is back.
func TestUnregisteredHolderRefused(t *testing.T) {
	var gone atomic.Value // the subject no longer registered
	gone.Store("")
	registered := func(c *token.Claims) error {
		if c.Subject == gone.Load().(string) {
			return errors.New("the user is no longer registered")
		}
		return nil
	}
	f, ks := newCountingFixture(t, func(c *token.Config) { c.Issuers[0].Registered = registered })
	ctx := context.Background()
	bobs := f.claimsA()
	bobs.Subject = "bob"
	raw := f.keyA.Sign(t, bobs)
	alices := f.keyA.Sign(t, f.claimsA())
	for _, r := range []string{raw, alices} {
		if _, err := f.v.Verify(ctx, r); err != nil {
			t.Fatalf("Verify while registered = %v", err)
		}
	}
	gone.Store("bob")
	before := ks.calls.Load()
	var te *token.Error
	for range 3 {
		if _, err := f.v.Verify(ctx, raw); !errors.Is(err, token.ErrRevoked) || !errors.As(err, &te) {
			t.Fatalf("Verify of the cached token of a removed user = %v; want an *Error matching ErrRevoked", err)
		}
	}
	if n := ks.calls.Load() - before; n != 0 {
		t.Errorf("%d signature checks for 3 calls with a removed user's cached token; want 0", n)
	}
	if _, err := f.v.Verify(ctx, alices); err != nil {
		t.Errorf("Verify of another user's token = %v; want accepted", err)
	}
	fresh, err := token.NewVerifier(token.Config{Issuers: []token.Issuer{{URL: issuerA, Audience: audGW,
		Keys: f.keyA.KeySet(), Registered: registered}}, Now: f.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fresh.Verify(ctx, raw); !errors.Is(err, token.ErrRevoked) {
		t.Errorf("uncached Verify of a removed user's token = %v; want ErrRevoked", err)
	}
	gone.Store("")
	if _, err := f.v.Verify(ctx, raw); err != nil {
		t.Errorf("Verify once the user is back = %v; want accepted", err)
	}
}

// TestRegisteredAskedOnlyOfSignedTokens: a forged token is refused for its
// signature whatever its subject, so the refusal never tells a forger
// which users exist; Registered is not even asked.
func TestRegisteredAskedOnlyOfSignedTokens(t *testing.T) {
	var asked atomic.Int32
	f := newFixture(t, func(c *token.Config) {
		c.Issuers[0].Registered = func(*token.Claims) error {
			asked.Add(1)
			return errors.New("the user is no longer registered")
		}
	})
	forged := f.keyB.Sign(t, f.claimsA()) // issuer A's claims, B's key
	if _, err := f.v.Verify(context.Background(), forged); !errors.Is(err, token.ErrSignature) {
		t.Errorf("Verify of a forged token = %v; want ErrSignature", err)
	}
	if n := asked.Load(); n != 0 {
		t.Errorf("Registered asked %d times for a forged token; want 0", n)
	}
}
