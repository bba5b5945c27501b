package authserver

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// TestReconfigure: a reloaded config adds and removes clients, users and
// scopes for new requests, while sessions of unchanged users and the rate
// limits carry over; a user whose password changed is signed out. The old
// Server keeps its config for the requests still holding it.
func TestReconfigure(t *testing.T) {
	env := newTestServer(t, nil)
	old := env.srv
	alice, bob := newBrowser(t, env), newBrowser(t, env)
	for _, b := range []*browser{alice, bob} {
		p := b.follow(b.get(loginURL(env)))
		user, pw := "alice", alicePassword
		if b == bob {
			user, pw = "bob", "bob's password"
		}
		if p = b.submit(p, "/oauth2/login", url.Values{"username": {user}, "password": {pw}}); p.status != http.StatusSeeOther {
			t.Fatalf("%s signs in: status %d", user, p.status)
		}
	}
	// Four failures of a guesser before the reload, two after:
	// the limit (five) must count across it.
	guesser := newBrowserFrom(t, env, "127.0.0.7")
	p := guesser.follow(guesser.get(loginURL(env)))
	for range 4 {
		p = guesser.submit(p, "/oauth2/login", url.Values{"username": {"bob"}, "password": {"guess"}})
	}

	cfg := env.cfg
	newHash, _ := bcrypt.GenerateFromPassword([]byte("alice's new password"), bcrypt.MinCost)
	cfg.Users = slices.Clone(cfg.Users)
	cfg.Users[0].PasswordHash = string(newHash)
	cfg.Scopes = append(slices.Clone(cfg.Scopes), Scope{Name: "albums.read", Description: "See your albums"})
	cfg.Clients = append(slices.Clone(cfg.Clients[:3]), // hashed-job removed
		Client{ID: "nightly", Secret: "nightly-secret-0123456789", GrantTypes: []string{"client_credentials"}, Scopes: []string{"albums.read"}})
	next, err := old.Reconfigure(cfg)
	if err != nil {
		t.Fatalf("Reconfigure: %v", err)
	}
	env.use(next)

	cc := url.Values{"grant_type": {"client_credentials"}}
	if res := env.callToken(t, tokenCall{form: cc, basic: []string{"nightly", "nightly-secret-0123456789"}}); res.status != 200 || res.json["scope"] != "albums.read" {
		t.Errorf("new client after reload: %d %v, want a token for albums.read", res.status, res.json)
	}
	if res := env.callToken(t, tokenCall{form: cc, basic: []string{"hashed-job", hashedSecret}}); res.status != 401 {
		t.Errorf("removed client after reload: status %d, want 401", res.status)
	}
	if p := alice.get("/oauth2/account"); p.status != http.StatusSeeOther {
		t.Errorf("alice's session after her password changed: status %d, want 303 to sign in again", p.status)
	}
	if p := bob.get("/oauth2/account"); p.status != http.StatusOK {
		t.Errorf("bob's session after a reload that left him alone: status %d, want 200", p.status)
	}
	p = guesser.submit(p, "/oauth2/login", url.Values{"username": {"bob"}, "password": {"guess"}})
	p = guesser.submit(p, "/oauth2/login", url.Values{"username": {"bob"}, "password": {"bob's password"}})
	if p.status != http.StatusTooManyRequests {
		t.Errorf("6th attempt, across a reload: status %d, want 429 (limits survive reloads)", p.status)
	}

	// The old server still runs the old config for whoever holds it.
	if _, ok := old.clients["nightly"]; ok {
		t.Error("Reconfigure changed the old server's clients")
	}
	if old.isDeclared("albums.read") || !next.isDeclared("albums.read") {
		t.Error("scope albums.read: want it declared on the new server only")
	}

	// A bad config is refused and changes nothing.
	bad := cfg
	bad.Clients = append(slices.Clone(cfg.Clients), Client{ID: "x", Scopes: []string{"undeclared"}, RedirectURIs: []string{printerRedir}})
	if _, err := next.Reconfigure(bad); err == nil {
		t.Error("Reconfigure accepted a client with an undeclared scope")
	}
}
