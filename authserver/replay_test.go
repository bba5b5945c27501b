package authserver

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/scopegate/scopegate/token"
)

// TestReplayedCodeRevokesItsToken: a second redemption of a code fails
// with invalid_grant and revokes the access token the first one issued
// (SECURITY.md A.20, RFC 9700 §4.2.4): at once for a gateway in this
// process, and through the store for every other instance.
func TestReplayedCodeRevokesItsToken(t *testing.T) {
	inProcess := new(token.RevocationList)
	env := newTestServer(t, func(c *Config) { c.Revoked = inProcess })
	ctx := context.Background()
	redeem := tokenCall{form: url.Values{"grant_type": {"authorization_code"}}, basic: []string{printerID, printerSecret}}

	code := env.codeFor(t, newBrowser(t, env), nil)
	redeem.form.Set("code", code)
	first := env.callToken(t, redeem)
	at, _ := first.json["access_token"].(string)
	if first.status != http.StatusOK || at == "" {
		t.Fatalf("first redemption: status %d body %v", first.status, first.json)
	}
	// An unrelated token of the same client stays valid throughout.
	other := env.codeFor(t, newBrowser(t, env), nil)
	redeem.form.Set("code", other)
	otherAT, _ := env.callToken(t, redeem).json["access_token"].(string)

	verifier := func(revoked *token.RevocationList) *token.Verifier {
		v, err := token.NewVerifier(token.Config{Issuers: []token.Issuer{{
			URL: env.ts.URL, Audience: env.ts.URL, Keys: env.srv.KeySet(), Revoked: revoked}}})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	gateway := verifier(inProcess)
	if _, err := gateway.Verify(ctx, at); err != nil {
		t.Fatalf("token before the replay: %v", err)
	}

	redeem.form.Set("code", code)
	replay := env.callToken(t, redeem)
	if replay.status != http.StatusBadRequest || replay.json["error"] != "invalid_grant" {
		t.Fatalf("replay: status %d body %v, want 400 invalid_grant", replay.status, replay.json)
	}
	if _, err := gateway.Verify(ctx, at); !errors.Is(err, token.ErrRevoked) {
		t.Errorf("token after the replay, same process: %v, want ErrRevoked", err)
	}
	if _, err := gateway.Verify(ctx, otherAT); err != nil {
		t.Errorf("another code's token after the replay: %v, want accepted", err)
	}

	// Another instance learns of it from the store.
	recs, err := env.store.Revocations(ctx, env.srv.now())
	if err != nil || len(recs) != 1 {
		t.Fatalf("store revocations = %v, %v; want one", recs, err)
	}
	elsewhere := new(token.RevocationList)
	elsewhere.Add(recs[0].TokenID, recs[0].ExpiresAt)
	if _, err := verifier(elsewhere).Verify(ctx, at); !errors.Is(err, token.ErrRevoked) {
		t.Errorf("token after the replay, other instance: %v, want ErrRevoked", err)
	}
	if exp := env.srv.now().Add(DefaultAccessTokenTTL); recs[0].ExpiresAt.Before(exp) {
		t.Errorf("revocation ends %v, before the token can expire (%v)", recs[0].ExpiresAt, exp)
	}
}
