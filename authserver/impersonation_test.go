package authserver

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestPublicClientAlwaysAsks: any app can send a public client's ID and
// listen on a loopback port or a private-use scheme, so consent given once
// must not let a second request take a code without the user seeing the
// consent page (RFC 8252 §8.6). Confidential clients, and public ones on
// an https redirect URI, are remembered.
func TestPublicClientAlwaysAsks(t *testing.T) {
	const spaRedirect = "https://photos.example/app/callback"
	env := newTestServer(t, func(c *Config) {
		c.Clients = append(c.Clients, Client{ID: "spa", Name: "Photo Web", RedirectURIs: []string{spaRedirect},
			Scopes: []string{"photos.read"}})
	})
	tests := []struct {
		name, clientID, redirect string
		pkce, remembered         bool
	}{
		{name: "confidential client", clientID: printerID, redirect: printerRedir, remembered: true},
		{name: "public, private-use scheme", clientID: mobileID, redirect: mobileRedirect, pkce: true},
		{name: "public, loopback with another port", clientID: mobileID, redirect: "http://127.0.0.1:50999/native", pkce: true},
		{name: "public, https", clientID: "spa", redirect: spaRedirect, pkce: true, remembered: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(t, env)
			v := url.Values{"client_id": {tc.clientID}, "redirect_uri": {tc.redirect},
				"response_type": {"code"}, "scope": {"photos.read"}, "state": {"s"}}
			if tc.pkce {
				v.Set("code_challenge", testChallenge)
				v.Set("code_challenge_method", "S256")
			}
			// First time: login and consent.
			if q := redirectParams(t, b.authorize(env.authURL(v), "alice", alicePassword)); q.Get("code") == "" {
				t.Fatalf("first authorization: no code in %v", q)
			}

			again := b.follow(b.get(env.authURL(v)))
			gotCode := again.status == http.StatusSeeOther && redirectParams(t, again).Get("code") != ""
			shownConsent := again.status == http.StatusOK && strings.Contains(again.body, `value="allow"`)
			if tc.remembered && !gotCode {
				t.Errorf("second authorization: status %d, want a code without asking again", again.status)
			}
			if !tc.remembered && (gotCode || !shownConsent) {
				t.Errorf("second authorization: status %d (code issued: %v), want the consent page again", again.status, gotCode)
			}

			v.Set("prompt", "none")
			silent := b.follow(b.get(env.authURL(v)))
			q := redirectParams(t, silent)
			if tc.remembered && q.Get("code") == "" {
				t.Errorf("prompt=none: %v, want a code", q)
			}
			if !tc.remembered && (q.Get("code") != "" || q.Get("error") != "consent_required") {
				t.Errorf("prompt=none: %v, want error=consent_required and no code", q)
			}
		})
	}
}

// TestConfidentialLoopbackPortIsExact: the loopback port exception of
// RFC 8252 §7.3 is for native apps; a confidential client registered on
// a loopback URI gets an error page for any other port, never a redirect.
func TestConfidentialLoopbackPortIsExact(t *testing.T) {
	env := newTestServer(t, nil)
	b := newBrowser(t, env)
	p := b.get(env.authURL(url.Values{"client_id": {printerID}, "redirect_uri": {"http://127.0.0.1:8999/callback"},
		"response_type": {"code"}, "scope": {"photos.read"}}))
	if p.status != http.StatusBadRequest || p.header.Get("Location") != "" {
		t.Errorf("status %d Location %q, want 400 error page", p.status, p.header.Get("Location"))
	}
}
