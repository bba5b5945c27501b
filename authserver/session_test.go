package authserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// TestSessionEndsWhenCredentialsChange: sessions live only in cookies,
// yet changing a user's password or removing the user in the config ends
// their sessions once the server restarts with it.
func TestSessionEndsWhenCredentialsChange(t *testing.T) {
	newHash, err := bcrypt.GenerateFromPassword([]byte("a new password"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		change   func(users []User) []User
		signedIn bool
	}{
		{name: "config unchanged", change: func(u []User) []User { return u }, signedIn: true},
		{name: "name changed", change: func(u []User) []User { u[0].Name = "Alice L."; return u }, signedIn: true},
		{name: "password changed", change: func(u []User) []User { u[0].PasswordHash = string(newHash); return u }},
		{name: "user removed", change: func(u []User) []User { return u[1:] }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := newTestServer(t, nil)
			b := newBrowser(t, env)
			p := b.follow(b.get("/oauth2/login"))
			p = b.submit(p, "/oauth2/login", url.Values{"username": {"alice"}, "password": {alicePassword}})
			if p.status != http.StatusSeeOther || p.header.Get("Location") != "/oauth2/account" {
				t.Fatalf("login: status %d Location %q", p.status, p.header.Get("Location"))
			}

			users := append([]User(nil), env.cfg.Users...)
			restarted := restart(t, env, func(c *Config) { c.Users = tc.change(users) })
			// Cookies are not separated by port, so the browser sends the
			// session to the restarted server too.
			p = b.get(restarted.URL + "/oauth2/account")
			if got := p.status == http.StatusOK; got != tc.signedIn {
				t.Errorf("account page after restart: status %d Location %q, want signed in = %v",
					p.status, p.header.Get("Location"), tc.signedIn)
			}
		})
	}
}

// restart starts a second server on env's store, as after a restart with
// a changed config, and returns its test server.
func restart(t *testing.T, env *testEnv, change func(*Config)) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	cfg := env.cfg
	cfg.Issuer = ts.URL
	change(&cfg)
	srv, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv.Mount(mux)
	return ts
}

// TestLogoutEndsCopiedSession (issue 12, finding 5): a session cookie
// copied before the user signed out no longer gets a code with
// prompt=none afterwards, because logout deletes the session on the server
// and not only the browser's cookie.
func TestLogoutEndsCopiedSession(t *testing.T) {
	env := newTestServer(t, nil)
	b := newBrowser(t, env)
	params := url.Values{"client_id": {printerID}, "response_type": {"code"}, "scope": {"openid photos.read"},
		"state": {"s"}, "nonce": {"n"}, "redirect_uri": {printerRedir},
		"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}}
	if q := redirectParams(t, b.authorize(env.authURL(params), "alice", alicePassword)); q.Get("code") == "" {
		t.Fatalf("first authorization: %v, want a code", q)
	}
	// The attacker copies the cookies (e.g. from a shared computer).
	u, _ := url.Parse(env.ts.URL)
	stolen := newBrowser(t, env)
	stolen.c.Jar.SetCookies(u, b.c.Jar.Cookies(u))

	silent := url.Values{"prompt": {"none"}}
	for k, v := range params {
		silent[k] = v
	}
	// Before logout the copy works: this shows that the check below can fail.
	if q := redirectParams(t, stolen.get(env.authURL(silent))); q.Get("code") == "" {
		t.Fatalf("prompt=none with the copied cookie before logout: %v, want a code", q)
	}

	account := b.get("/oauth2/account")
	if p := b.submit(account, "/oauth2/logout", nil); p.status != http.StatusSeeOther {
		t.Fatalf("logout: status %d: %s", p.status, p.body)
	}
	if b.signedIn() {
		t.Fatal("the browser that signed out is still signed in")
	}
	q := redirectParams(t, stolen.get(env.authURL(silent)))
	if q.Get("code") != "" || q.Get("error") != "login_required" {
		t.Errorf("prompt=none with the copied cookie after logout: %v, want error=login_required and no code", q)
	}
	if stolen.signedIn() {
		t.Error("the copied cookie still opens the account page after logout")
	}
}

// TestPasswordChangeOnReloadEndsSessions (issue 12, finding 5): a new
// password hash for alice in a reloaded config ends alice's sessions on
// the running server, and leaves bob's alone.
func TestPasswordChangeOnReloadEndsSessions(t *testing.T) {
	env := newTestServer(t, nil)
	alice, bob := newBrowser(t, env), newBrowser(t, env)
	for _, c := range []struct {
		b        *browser
		name, pw string
	}{{alice, "alice", alicePassword}, {bob, "bob", "bob's password"}} {
		p := c.b.follow(c.b.get("/oauth2/login"))
		p = c.b.submit(p, "/oauth2/login", url.Values{"username": {c.name}, "password": {c.pw}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("login %s: status %d", c.name, p.status)
		}
	}
	newHash, err := bcrypt.GenerateFromPassword([]byte("a new password"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	cfg := env.cfg
	cfg.Users = append([]User(nil), cfg.Users...)
	cfg.Users[0].PasswordHash = string(newHash)
	srv, err := env.srv.Reconfigure(cfg)
	if err != nil {
		t.Fatal(err)
	}
	env.use(srv)
	if alice.signedIn() {
		t.Error("alice is still signed in after her password changed")
	}
	if !bob.signedIn() {
		t.Error("bob was signed out by alice's password change")
	}
}

// TestSessionRecordLifetime: signing in records one session in the store
// that ends with the cookie's lifetime, so housekeeping (DeleteExpired)
// removes it, and a cookie outliving its record is refused.
func TestSessionRecordLifetime(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Now().Unix())
	env := newTestServer(t, func(c *Config) { c.Now = func() time.Time { return time.Unix(clock.Load(), 0) } })
	b := newBrowser(t, env)
	p := b.follow(b.get("/oauth2/login"))
	b.submit(p, "/oauth2/login", url.Values{"username": {"alice"}, "password": {alicePassword}})
	if !b.signedIn() {
		t.Fatal("not signed in after login")
	}
	clock.Add(int64(sessionLifetime/time.Second) + 1)
	if b.signedIn() {
		t.Error("signed in after the session's lifetime")
	}
	n, err := env.store.DeleteExpired(t.Context(), time.Unix(clock.Load(), 0))
	if err != nil || n != 1 {
		t.Errorf("DeleteExpired = %d, %v; want the one login session", n, err)
	}
}
