package authserver

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/scopegate/scopegate/token"
)

// codeFor runs the browser part of the code flow for alice and the
// printer and returns the code.
func codeFor(t *testing.T, env *testEnv, b *browser) string {
	t.Helper()
	return redirectParams(t, b.authorize(loginURL(env), "alice", alicePassword)).Get("code")
}

func (e *testEnv) redeem(t *testing.T, code string) tokenResult {
	t.Helper()
	return e.callToken(t, tokenCall{form: url.Values{"grant_type": {"authorization_code"}, "code": {code}},
		basic: []string{printerID, printerSecret}})
}

// TestGrantCarriedByTokens: every access token issued from the user's
// consent names the grant ("gid"), the same grant while the consent is
// remembered; a client's own token names none; removing the app on the
// account page refuses all of the grant's tokens at once, already verified
// ones included, and a code issued before the removal issues nothing.
func TestGrantCarriedByTokens(t *testing.T) {
	env := newTestServer(t, nil)
	ctx := context.Background()
	v := env.verifier(t)
	b := newBrowser(t, env)
	var gids []string
	var tokens []string
	for range 2 {
		res := env.redeem(t, codeFor(t, env, b))
		if res.status != http.StatusOK {
			t.Fatalf("token: status %d %v", res.status, res.json)
		}
		raw, _ := res.json["access_token"].(string)
		c, err := v.Verify(ctx, raw)
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		gids, tokens = append(gids, c.GrantID), append(tokens, raw)
	}
	g, err := env.store.LiveGrant(ctx, "alice", printerID)
	if err != nil {
		t.Fatal(err)
	}
	if gids[0] != g.ID || gids[1] != g.ID || len(g.ID) < 22 {
		t.Fatalf("gid of the tokens = %q; want the grant's ID %q (at least 128 bits) in both", gids, g.ID)
	}
	if g.LastUsedAt.IsZero() {
		t.Error("the grant's LastUsedAt is not set after tokens were issued from it")
	}
	cc := env.callToken(t, tokenCall{form: url.Values{"grant_type": {"client_credentials"}}, basic: []string{"batch-job", batchSecret}})
	raw, _ := cc.json["access_token"].(string)
	if c, err := v.Verify(ctx, raw); err != nil || c.GrantID != "" {
		t.Errorf("client credentials token: gid %q, %v; want none", c.GrantID, err)
	}

	pending := codeFor(t, env, b) // issued before the removal, redeemed after
	acct := b.get("/oauth2/account")
	if p := b.submit(acct, "/oauth2/account/revoke", nil); p.status != http.StatusSeeOther {
		t.Fatalf("revoke: status %d, want 303", p.status)
	}
	for i, raw := range tokens {
		if _, err := v.Verify(ctx, raw); !errors.Is(err, token.ErrRevoked) {
			t.Errorf("token %d after the app was removed: %v; want ErrRevoked", i, err)
		}
	}
	if res := env.redeem(t, pending); res.status != http.StatusBadRequest || res.json["error"] != "invalid_grant" {
		t.Errorf("code of a removed grant: status %d %v; want 400 invalid_grant", res.status, res.json)
	}
	// Other instances learn it from the store.
	recs, err := env.store.Revocations(ctx, time.Time{}, time.Now())
	found := false
	for _, r := range recs {
		found = found || r.GrantID == g.ID
	}
	if err != nil || !found {
		t.Errorf("store revocations = %+v, %v; want the grant %s", recs, err, g.ID)
	}
	if got, err := env.store.Grant(ctx, g.ID); err != nil || got.Live() {
		t.Errorf("stored grant after removal: %+v, %v; want revoked", got, err)
	}
	// Granting again makes a new grant, whose tokens work.
	res := env.redeem(t, redirectParams(t, b.follow(b.submit(b.follow(b.get(loginURL(env))), "/oauth2/consent", url.Values{"decision": {"allow"}}))).Get("code"))
	raw, _ = res.json["access_token"].(string)
	if c, err := v.Verify(ctx, raw); err != nil || c.GrantID == g.ID || c.GrantID == "" {
		t.Errorf("token after consenting again: gid %q, %v; want a new grant", c.GrantID, err)
	}
}

// TestGrantScopesConcurrent: consents given at once in several tabs all
// end up in the one grant; none is lost to another's write.
func TestGrantScopesConcurrent(t *testing.T) {
	env := newTestServer(t, nil)
	ctx := context.Background()
	scopes := []string{"photos.read", "profile", "email", "openid"}
	errs := make(chan error, len(scopes))
	for _, sc := range scopes {
		go func() {
			_, err := env.srv.grantScopes(ctx, "alice", printerID, []string{sc})
			errs <- err
		}()
	}
	for range scopes {
		if err := <-errs; err != nil {
			t.Fatalf("grantScopes: %v", err)
		}
	}
	g, err := env.store.LiveGrant(ctx, "alice", printerID)
	if err != nil {
		t.Fatal(err)
	}
	if missing := token.Missing(g.Scopes, scopes); missing != nil {
		t.Errorf("grant scopes %v lack %v", g.Scopes, missing)
	}
}
