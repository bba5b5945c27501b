package authserver

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/scopegate/scopegate/token"
)

// TestCodeFlowEndToEnd drives the whole authorization code flow the way a
// client developer would: discovery only, x/oauth2 with PKCE, a browser
// that signs in and consents, then verification of both tokens and a
// userinfo call.
func TestCodeFlowEndToEnd(t *testing.T) {
	env := newTestServer(t, nil)
	ctx := oidc.ClientContext(context.Background(), env.ts.Client())
	provider, err := oidc.NewProvider(ctx, env.ts.URL)
	if err != nil {
		t.Fatalf("oidc.NewProvider: %v", err)
	}
	conf := &oauth2.Config{
		ClientID: printerID, ClientSecret: printerSecret, RedirectURL: printerRedir,
		Endpoint: provider.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "photos.read", "profile", "email"},
	}
	verifier := oauth2.GenerateVerifier()
	state := "st/ä+&=x y" // odd bytes must round-trip unchanged
	nonce := "n-0S6_WzA2Mj"

	b := newBrowser(t, env)
	p := b.authorize(conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)), "alice", alicePassword)
	if loc := p.header.Get("Location"); !strings.HasPrefix(loc, printerRedir+"?") {
		t.Fatalf("final redirect = %q, want to %s", loc, printerRedir)
	}
	q := redirectParams(t, p)
	if got := q.Get("state"); got != state {
		t.Errorf("state = %q, want %q", got, state)
	}
	if got := q.Get("iss"); got != env.ts.URL {
		t.Errorf("iss = %q, want %q", got, env.ts.URL)
	}
	code := q.Get("code")
	if len(code) < 43 {
		t.Fatalf("code %q is shorter than 256 bits", code)
	}

	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	if tok.TokenType != "Bearer" || tok.Expiry.IsZero() {
		t.Errorf("token type %q expiry %v, want Bearer with an expiry", tok.TokenType, tok.Expiry)
	}

	// The ID token verifies through discovery and the JWKS alone.
	rawID, _ := tok.Extra("id_token").(string)
	idt, err := provider.Verifier(&oidc.Config{ClientID: printerID}).Verify(ctx, rawID)
	if err != nil {
		t.Fatalf("verify ID token: %v", err)
	}
	if idt.Subject != "alice" || idt.Nonce != nonce {
		t.Errorf("ID token sub %q nonce %q, want alice and %q", idt.Subject, idt.Nonce, nonce)
	}
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Errorf("at_hash: %v", err)
	}

	// The access token verifies against the published JWKS (remote, as an
	// external resource server would) and carries the RFC 9068 claims.
	v, err := token.NewVerifier(token.Config{Issuers: []token.Issuer{{
		URL: env.ts.URL, Audience: env.ts.URL, Keys: oidc.NewRemoteKeySet(ctx, env.ts.URL+"/oauth2/jwks")}}})
	if err != nil {
		t.Fatal(err)
	}
	claims, err := v.Verify(ctx, tok.AccessToken)
	if err != nil {
		t.Fatalf("verify access token: %v", err)
	}
	wantScopes := []string{"openid", "photos.read", "profile", "email"}
	if claims.Subject != "alice" || claims.ClientID != printerID || !slices.Equal(claims.Scopes, wantScopes) {
		t.Errorf("claims sub %q client_id %q scope %v, want alice, %s, %v", claims.Subject, claims.ClientID, claims.Scopes, printerID, wantScopes)
	}
	if len(claims.ID) < 22 {
		t.Errorf("jti %q has fewer than 128 bits", claims.ID)
	}
	if ttl := claims.Expiry.Sub(claims.IssuedAt); ttl != DefaultAccessTokenTTL {
		t.Errorf("exp - iat = %v, want %v", ttl, DefaultAccessTokenTTL)
	}
	// The ID token must never pass as an access token (typ JWT, not at+jwt).
	if _, err := v.Verify(ctx, rawID); err == nil {
		t.Error("the ID token verified as an access token")
	}

	info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatalf("userinfo: %v", err)
	}
	var extra struct{ Name string }
	_ = info.Claims(&extra)
	if info.Subject != "alice" || info.Email != "alice@example.com" || extra.Name != "Alice Liddell" {
		t.Errorf("userinfo sub %q email %q name %q, want alice's", info.Subject, info.Email, extra.Name)
	}

	// The same code a second time fails.
	if _, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier)); !isOAuthError(err, "invalid_grant") {
		t.Errorf("second exchange: err = %v, want invalid_grant", err)
	}

	// No password, code, secret, verifier or token in any log field.
	secrets := map[string]string{"password": alicePassword, "code": code, "client secret": printerSecret,
		"verifier": verifier, "access token": tok.AccessToken, "id token": rawID}
	for _, f := range fieldValues(env.logs.All()) {
		for what, s := range secrets {
			if strings.Contains(f, s) {
				t.Errorf("log field %q contains the %s", f, what)
			}
		}
	}
	if env.logs.Len() == 0 {
		t.Error("the flow logged nothing; the log check above proved nothing")
	}
}

// TestPublicClientFlow runs the flow for a public client (no secret):
// PKCE is what proves it is the same client.
func TestPublicClientFlow(t *testing.T) {
	env := newTestServer(t, nil)
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, env.ts.Client())
	conf := &oauth2.Config{ClientID: mobileID, RedirectURL: mobileRedirect,
		Endpoint: oauth2.Endpoint{AuthURL: env.ts.URL + "/oauth2/authorize", TokenURL: env.ts.URL + "/oauth2/token",
			AuthStyle: oauth2.AuthStyleInParams},
		Scopes: []string{"photos.read"}}
	verifier := oauth2.GenerateVerifier()
	b := newBrowser(t, env)
	q := redirectParams(t, b.authorize(conf.AuthCodeURL("s1", oauth2.S256ChallengeOption(verifier)), "alice", alicePassword))
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	if got := tok.Extra("scope"); got != "photos.read" {
		t.Errorf("scope = %v, want photos.read", got)
	}
	if tok.Extra("id_token") != nil {
		t.Error("got an ID token without the openid scope")
	}
}

// TestConsentRemembered: the second request for the same or fewer scopes
// goes straight back to the client.
func TestConsentRemembered(t *testing.T) {
	env := newTestServer(t, nil)
	b := newBrowser(t, env)
	req := func(scope string) string {
		return env.authURL(map[string][]string{"client_id": {printerID}, "response_type": {"code"},
			"scope": {scope}, "state": {"x"}})
	}
	redirectParams(t, b.authorize(req("photos.read profile"), "alice", alicePassword))
	p := b.get(req("photos.read"))
	if q := redirectParams(t, p); q.Get("code") == "" {
		t.Errorf("second authorization for a subset: no code in %v", q)
	}
	// A new scope needs the consent page again.
	p = b.follow(b.get(req("photos.read email")))
	if p.status != http.StatusOK || !strings.Contains(p.body, `value="allow"`) || !strings.Contains(p.body, "See your email address") {
		t.Errorf("new scope: status %d, want the consent page with the email scope text; body:\n%s", p.status, p.body)
	}
}

// TestConsentDenied: deny goes back with access_denied, state and iss.
func TestConsentDenied(t *testing.T) {
	env := newTestServer(t, nil)
	b := newBrowser(t, env)
	p := b.follow(b.get(env.authURL(map[string][]string{"client_id": {printerID}, "response_type": {"code"},
		"scope": {"photos.read"}, "state": {"keep me"}})))
	p = b.follow(b.submit(p, "/oauth2/login", map[string][]string{"username": {"alice"}, "password": {alicePassword}}))
	if !strings.Contains(p.body, "PrintMyPhotos") || !strings.Contains(p.body, "See the photos you choose") {
		t.Errorf("consent page lacks the client name or scope text:\n%s", p.body)
	}
	q := redirectParams(t, b.submit(p, "/oauth2/consent", map[string][]string{"decision": {"deny"}}))
	if q.Get("error") != "access_denied" || q.Get("state") != "keep me" || q.Get("iss") != env.ts.URL || q.Has("code") {
		t.Errorf("deny redirect params = %v, want access_denied with state and iss, no code", q)
	}
}

func isOAuthError(err error, code string) bool {
	re, ok := err.(*oauth2.RetrieveError)
	return ok && re.ErrorCode == code
}
