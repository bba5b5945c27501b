package token_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/scopegate/scopegate/token"
	"github.com/scopegate/scopegate/token/tokentest"
)

// TestInsecureSkipSignatureVerification: the option that scopegate
// explain uses accepts a token signed by a key nobody trusts, and nothing
// else that a serving verifier refuses. Every other check runs.
func TestInsecureSkipSignatureVerification(t *testing.T) {
	clk := newClock()
	stranger := tokentest.NewKey(t) // signs with a key no issuer publishes
	revoked := new(token.RevocationList)
	revoked.Add("revoked-jti", clk.t.Add(time.Hour))
	newVerifier := func(insecure bool) *token.Verifier {
		t.Helper()
		// Keys are nil: explain holds no issuer's keys.
		keys := stranger.KeySet()
		if insecure {
			keys = nil
		}
		v, err := token.NewVerifier(token.Config{
			Issuers:                           []token.Issuer{{URL: issuerA, Audience: audGW, Keys: keys, Revoked: revoked}},
			Now:                               clk.now,
			CacheSize:                         -1,
			InsecureSkipSignatureVerification: insecure,
		})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	insecure := newVerifier(true)
	claims := func(change func(*token.Claims)) token.Claims {
		c := tokentest.ClaimsAt(clk.t, issuerA, audGW, subject, readScope)
		if change != nil {
			change(&c)
		}
		return c
	}

	forged := tokentest.NewKey(t).Sign(t, claims(nil))
	got, err := insecure.Verify(context.Background(), forged)
	if err != nil || got.Subject != subject {
		t.Fatalf("a well-formed token with a wrong signature: %v, %v; want it accepted", got, err)
	}

	refused := []struct {
		name string
		raw  string
		want error
	}{
		{"typ JWT", stranger.Sign(t, claims(nil), tokentest.WithType("JWT")), token.ErrType},
		{"alg HS256", stranger.Sign(t, claims(nil), tokentest.WithAlg("HS256")), token.ErrAlgorithm},
		{"alg none", stranger.Sign(t, claims(nil), tokentest.WithAlg("none")), token.ErrMalformed},
		{"no kid", stranger.Sign(t, claims(nil), tokentest.WithKeyID("")), token.ErrMalformed},
		{"crit", stranger.Sign(t, claims(nil), tokentest.WithHeader("crit", []string{"x"})), token.ErrMalformed},
		{"untrusted issuer", stranger.Sign(t, claims(func(c *token.Claims) { c.Issuer = issuerB })), token.ErrIssuer},
		{"wrong audience", stranger.Sign(t, claims(func(c *token.Claims) { c.Audience = []string{"https://other.example"} })), token.ErrAudience},
		{"expired", stranger.Sign(t, claims(func(c *token.Claims) { c.Expiry = clk.t.Add(-time.Hour) })), token.ErrExpired},
		{"not yet valid", stranger.Sign(t, claims(func(c *token.Claims) { c.NotBefore = clk.t.Add(time.Hour) })), token.ErrNotYetValid},
		{"no sub", stranger.Sign(t, claims(func(c *token.Claims) { c.Subject = "" })), token.ErrMalformed},
		{"revoked", stranger.Sign(t, claims(func(c *token.Claims) { c.ID = "revoked-jti" })), token.ErrRevoked},
		{"not a JWS", "not.a.jwt", token.ErrMalformed},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := insecure.Verify(context.Background(), tc.raw); !errors.Is(err, tc.want) {
				t.Errorf("insecure verifier: %v, want %v", err, tc.want)
			}
		})
	}

	// The same forged token is refused when the option is off, and an
	// issuer without keys is then a configuration error.
	if _, err := newVerifier(false).Verify(context.Background(), forged); !errors.Is(err, token.ErrSignature) {
		t.Fatalf("serving verifier: %v, want %v", err, token.ErrSignature)
	}
	if _, err := token.NewVerifier(token.Config{Issuers: []token.Issuer{{URL: issuerA, Audience: audGW}}}); err == nil {
		t.Fatal("an issuer without keys was accepted without the insecure option")
	}
}
