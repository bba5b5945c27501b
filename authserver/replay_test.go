package authserver

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/token"
)

// TestReplayedCodeRevokesItsToken: a second redemption of a code fails
// with invalid_grant and revokes the access token the first one issued
// (RFC 9700 §4.2.4): at once for a gateway in this
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
	recs, err := env.store.Revocations(ctx, time.Time{}, env.srv.now())
	if err != nil || len(recs) != 1 {
		t.Fatalf("store revocations = %v, %v; want one", recs, err)
	}
	elsewhere := new(token.RevocationList)
	elsewhere.Add(recs[0].TokenID, recs[0].ExpiresAt)
	if _, err := verifier(elsewhere).Verify(ctx, at); !errors.Is(err, token.ErrRevoked) {
		t.Errorf("token after the replay, other instance: %v, want ErrRevoked", err)
	}
	// The record must last as long as the gateway would still accept the
	// token: its exp plus the verifier's leeway.
	exp := time.Unix(int64(idTokenClaim(t, at, "exp")), 0)
	if last := exp.Add(token.DefaultLeeway); recs[0].ExpiresAt.Before(last) {
		t.Errorf("revocation ends %v, before the gateway stops accepting the token (%v)", recs[0].ExpiresAt, last)
	}

	// The authorization server's own userinfo endpoint refuses it too.
	req, _ := http.NewRequest(http.MethodGet, env.ts.URL+"/oauth2/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+at)
	res, err := env.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.Header.Get("WWW-Authenticate"), "invalid_token") {
		t.Errorf("userinfo with the revoked token: %d %q, want 401 invalid_token", res.StatusCode, res.Header.Get("WWW-Authenticate"))
	}
}

// TestReplayRevokesEvenWhenStoreFails: the token is refused in this
// process even if recording the revocation for other instances fails.
func TestReplayRevokesEvenWhenStoreFails(t *testing.T) {
	inProcess := new(token.RevocationList)
	env := newTestServer(t, func(c *Config) {
		c.Revoked = inProcess
		c.Store = revokeFails{c.Store}
	})
	redeem := tokenCall{form: url.Values{"grant_type": {"authorization_code"}}, basic: []string{printerID, printerSecret}}
	redeem.form.Set("code", env.codeFor(t, newBrowser(t, env), nil))
	if res := env.callToken(t, redeem); res.status != http.StatusOK {
		t.Fatalf("first redemption: status %d", res.status)
	}
	if res := env.callToken(t, redeem); res.status != http.StatusInternalServerError {
		t.Errorf("replay while the store refuses revocations: status %d, want 500", res.status)
	}
	if inProcess.Len() != 1 {
		t.Errorf("in-process revocations = %d, want 1 despite the store failure", inProcess.Len())
	}
}

// revokeFails is a real store whose RevokeToken fails, as when the
// database goes away between the code lookup and the revocation.
type revokeFails struct{ store.Store }

func (revokeFails) RevokeToken(context.Context, store.Revocation) error {
	return errors.New("database unavailable")
}
