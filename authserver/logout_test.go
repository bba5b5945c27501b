package authserver

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

const signedOutURI = "http://127.0.0.1:8081/signed-out"

// withLogoutURIs registers post-logout redirect URIs for the printer and
// the mobile app.
func withLogoutURIs(c *Config) {
	for i := range c.Clients {
		switch c.Clients[i].ID {
		case printerID:
			c.Clients[i].PostLogoutRedirectURIs = []string{signedOutURI, "http://127.0.0.1:8081/bye?lang=en"}
		case mobileID:
			c.Clients[i].PostLogoutRedirectURIs = []string{"com.example.app:/signed-out"}
		}
	}
}

// signInForIDToken signs username in on b through the printer's code flow
// and returns the ID token and access token it got.
func signInForIDToken(t *testing.T, env *testEnv, b *browser, username, password string) (idToken, accessToken string) {
	t.Helper()
	conf := &oauth2.Config{ClientID: printerID, ClientSecret: printerSecret, RedirectURL: printerRedir,
		Endpoint: oauth2.Endpoint{AuthURL: env.ts.URL + "/oauth2/authorize", TokenURL: env.ts.URL + "/oauth2/token"},
		Scopes:   []string{"openid"}}
	v := oauth2.GenerateVerifier()
	q := redirectParams(t, b.authorize(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(v)), username, password))
	ctx := t.Context()
	tok, err := conf.Exchange(contextWithClient(ctx, env), q.Get("code"), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}
	id, _ := tok.Extra("id_token").(string)
	return id, tok.AccessToken
}

func (b *browser) signedIn() bool {
	return b.get("/oauth2/account").status == http.StatusOK
}

func logoutURL(kv ...string) string {
	v := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return "/oauth2/logout?" + v.Encode()
}

// TestLogoutWithMatchingHint: an id_token_hint for the signed-in user
// signs out at once and returns to the registered URI with state, over
// GET and over a form POST.
func TestLogoutWithMatchingHint(t *testing.T) {
	env := newTestServer(t, withLogoutURIs)
	for _, method := range []string{"GET", "POST"} {
		t.Run(method, func(t *testing.T) {
			b := newBrowser(t, env)
			idt, _ := signInForIDToken(t, env, b, "alice", alicePassword)
			params := []string{"id_token_hint", idt, "post_logout_redirect_uri", "http://127.0.0.1:8081/bye?lang=en", "state", "st/ä+&"}
			var p *page
			if method == "GET" {
				p = b.get(logoutURL(params...))
			} else {
				p = b.post("/oauth2/logout", url.Values{params[0]: {params[1]}, params[2]: {params[3]}, params[4]: {params[5]}})
			}
			if p.status != http.StatusSeeOther {
				t.Fatalf("status %d, want 303: %s", p.status, p.body)
			}
			loc, _ := url.Parse(p.header.Get("Location"))
			if got := loc.Scheme + "://" + loc.Host + loc.Path; got != "http://127.0.0.1:8081/bye" ||
				loc.Query().Get("lang") != "en" || loc.Query().Get("state") != "st/ä+&" {
				t.Errorf("Location %q, want the registered URI with its query and state", p.header.Get("Location"))
			}
			if b.signedIn() {
				t.Error("still signed in after logout")
			}
		})
	}
}

// TestLogoutAsksWithoutMatchingHint: without a hint, or with a hint for
// someone else, the user is asked; the redirect happens only after "Sign
// out", and "Stay signed in" keeps the session.
func TestLogoutAsksWithoutMatchingHint(t *testing.T) {
	env := newTestServer(t, withLogoutURIs)
	bobsToken, _ := signInForIDToken(t, env, newBrowser(t, env), "bob", "bob's password")
	for _, tc := range []struct {
		name   string
		params []string
	}{
		{"no hint", []string{"client_id", printerID, "post_logout_redirect_uri", signedOutURI, "state", "xyz"}},
		{"another user's hint", []string{"id_token_hint", bobsToken, "post_logout_redirect_uri", signedOutURI, "state", "xyz"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(t, env)
			signInForIDToken(t, env, b, "alice", alicePassword)
			p := b.get(logoutURL(tc.params...))
			if p.status != http.StatusOK || !strings.Contains(p.body, "Sign out?") || !strings.Contains(p.body, "PrintMyPhotos") {
				t.Fatalf("status %d, want the confirmation page naming the app:\n%s", p.status, p.body)
			}
			if !b.signedIn() {
				t.Fatal("the confirmation page signed the user out")
			}
			p = b.submit(p, "/oauth2/logout", nil)
			if loc := p.header.Get("Location"); p.status != http.StatusSeeOther || loc != signedOutURI+"?state=xyz" {
				t.Errorf("after Sign out: status %d Location %q, want 303 to %s?state=xyz", p.status, loc, signedOutURI)
			}
			if b.signedIn() {
				t.Error("still signed in after confirming")
			}
		})
	}
}

// TestLogoutNeverFollowsUnregisteredRedirect: every attempt to be sent
// somewhere not registered for the client gets an error page, no
// redirect, and leaves the session alone (RFC 9700 §4.11).
func TestLogoutNeverFollowsUnregisteredRedirect(t *testing.T) {
	env := newTestServer(t, withLogoutURIs)
	other := newTestServer(t, withLogoutURIs) // another issuer with the same clients
	b := newBrowser(t, env)
	idt, at := signInForIDToken(t, env, b, "alice", alicePassword)
	foreign, _ := signInForIDToken(t, other, newBrowser(t, other), "alice", alicePassword)
	parts := strings.Split(idt, ".")
	tampered := parts[0] + "." + parts[1] + "x." + parts[2]
	for _, tc := range []struct {
		name   string
		params []string
	}{
		{"unregistered URI", []string{"id_token_hint", idt, "post_logout_redirect_uri", "https://evil.example/"}},
		{"trailing slash", []string{"id_token_hint", idt, "post_logout_redirect_uri", signedOutURI + "/"}},
		{"extra query", []string{"id_token_hint", idt, "post_logout_redirect_uri", signedOutURI + "?next=https://evil.example/"}},
		{"missing query", []string{"id_token_hint", idt, "post_logout_redirect_uri", "http://127.0.0.1:8081/bye"}},
		{"case", []string{"id_token_hint", idt, "post_logout_redirect_uri", strings.ToUpper(signedOutURI)}},
		{"other port", []string{"id_token_hint", idt, "post_logout_redirect_uri", "http://127.0.0.1:9999/signed-out"}},
		{"fragment", []string{"id_token_hint", idt, "post_logout_redirect_uri", signedOutURI + "#https://evil.example"}},
		{"protocol-relative", []string{"id_token_hint", idt, "post_logout_redirect_uri", "//evil.example/"}},
		{"login redirect URI", []string{"id_token_hint", idt, "post_logout_redirect_uri", printerRedir}},
		{"another client's URI", []string{"id_token_hint", idt, "post_logout_redirect_uri", "com.example.app:/signed-out"}},
		{"client_id for another client's URI", []string{"client_id", mobileID, "id_token_hint", idt, "post_logout_redirect_uri", "com.example.app:/signed-out"}},
		{"no client at all", []string{"post_logout_redirect_uri", signedOutURI}},
		{"unknown client", []string{"client_id", "nobody", "post_logout_redirect_uri", signedOutURI}},
		{"tampered hint", []string{"id_token_hint", tampered, "post_logout_redirect_uri", signedOutURI}},
		{"hint from another issuer", []string{"id_token_hint", foreign, "post_logout_redirect_uri", signedOutURI}},
		{"access token as hint", []string{"id_token_hint", at, "post_logout_redirect_uri", signedOutURI}},
		{"garbage hint", []string{"id_token_hint", "a.b.c", "post_logout_redirect_uri", signedOutURI}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := b.get(logoutURL(tc.params...))
			if p.status != http.StatusBadRequest || p.header.Get("Location") != "" {
				t.Errorf("status %d Location %q, want a 400 page", p.status, p.header.Get("Location"))
			}
			if strings.Contains(p.body, "evil.example") {
				t.Error("the page echoes the URI")
			}
			if !b.signedIn() {
				t.Fatal("an invalid request signed the user out")
			}
		})
	}
	// Repeated parameters are refused too.
	p := b.get("/oauth2/logout?post_logout_redirect_uri=" + url.QueryEscape(signedOutURI) + "&post_logout_redirect_uri=https://evil.example/&id_token_hint=" + idt)
	if p.status != http.StatusBadRequest || p.header.Get("Location") != "" {
		t.Errorf("repeated parameter: status %d Location %q, want a 400 page", p.status, p.header.Get("Location"))
	}
}

// TestLogoutExpiredHintAndSignedOut: an expired hint still names the user
// (its expiry may be past); a browser without a session is sent back at
// once; a sealed confirmation cannot be swapped for another URI.
func TestLogoutExpiredHintAndSignedOut(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Now().Unix())
	env := newTestServer(t, func(c *Config) {
		withLogoutURIs(c)
		c.Now = func() time.Time { return time.Unix(clock.Load(), 0) }
	})
	b := newBrowser(t, env)
	idt, _ := signInForIDToken(t, env, b, "alice", alicePassword)
	clock.Add(int64(2 * DefaultAccessTokenTTL / time.Second))
	p := b.get(logoutURL("id_token_hint", idt, "post_logout_redirect_uri", signedOutURI))
	if p.status != http.StatusSeeOther || p.header.Get("Location") != signedOutURI {
		t.Fatalf("expired hint: status %d Location %q, want 303 to %s", p.status, p.header.Get("Location"), signedOutURI)
	}
	// Signed out already: straight back, with state.
	p = b.get(logoutURL("client_id", printerID, "post_logout_redirect_uri", signedOutURI, "state", "again"))
	if p.status != http.StatusSeeOther || p.header.Get("Location") != signedOutURI+"?state=again" {
		t.Errorf("signed out: status %d Location %q, want 303 to %s?state=again", p.status, p.header.Get("Location"), signedOutURI)
	}
	// A confirmation form whose sealed request was altered is refused.
	signInForIDToken(t, env, b, "alice", alicePassword)
	p = b.get(logoutURL("client_id", printerID, "post_logout_redirect_uri", signedOutURI))
	p = b.submit(p, "/oauth2/logout", url.Values{"logout": {"forged"}})
	if p.status != http.StatusBadRequest || p.header.Get("Location") != "" || !b.signedIn() {
		t.Errorf("forged sealed request: status %d Location %q, want a 400 page and still signed in", p.status, p.header.Get("Location"))
	}
}

// contextWithClient makes x/oauth2 talk to the test server.
func contextWithClient(ctx context.Context, env *testEnv) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, env.ts.Client())
}
