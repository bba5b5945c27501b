package authserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

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
