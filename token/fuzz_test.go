package token_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/scopegate/scopegate/token"
	"github.com/scopegate/scopegate/token/tokentest"
)

// FuzzVerify checks that no input panics and none is accepted: the
// verifier trusts a key the fuzzer never sees a signature of.
func FuzzVerify(f *testing.F) {
	trusted := tokentest.NewKey(f)
	other := tokentest.NewKey(f)
	claims := other.Claims(issuerA, audGW, subject, readScope)
	for _, seed := range []string{
		"", ".", "..", "a.b.c", "a.b.c.d", "e30.e30.", "e30.e30.e30",
		other.Sign(f, claims),
		other.Sign(f, claims, tokentest.WithAlg("none")),
		other.Sign(f, claims, tokentest.WithAlg("HS256")),
		other.Sign(f, claims, tokentest.WithType("JWT")),
		other.Sign(f, claims, tokentest.WithKeyID(trusted.ID())),
		other.Sign(f, claims, tokentest.WithHeader("crit", []string{"b64"}), tokentest.WithHeader("b64", false)),
		other.Sign(f, claims, tokentest.WithPayload([]byte(`{"iss":"`+issuerA+`","aud":[1]}`))),
		`{"payload":"e30","signatures":[]}`,
		strings.Repeat("A", 300) + "." + strings.Repeat("B", 300) + ".",
	} {
		f.Add(seed)
	}
	v, err := token.NewVerifier(token.Config{
		Issuers: []token.Issuer{{URL: issuerA, Audience: audGW, Keys: trusted.KeySet()}},
	})
	if err != nil {
		f.Fatalf("NewVerifier: %v", err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := v.Verify(context.Background(), raw)
		if err == nil {
			t.Fatalf("Verify accepted %q: %+v", raw, c)
		}
		var te *token.Error
		if !errors.As(err, &te) || te.Kind == nil || te.Reason == "" {
			t.Fatalf("Verify error %#v is not a complete *token.Error", err)
		}
		if len(raw) >= 8 && strings.Contains(te.Reason, raw) {
			t.Fatalf("Reason %q echoes the input", te.Reason)
		}
	})
}
