package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// sharedPasswordHash is alice's hash in every instance's config, as when
// instances share one config file: sessions are bound to the hash.
var sharedPasswordHash = sync.OnceValues(func() ([]byte, error) {
	return bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
})

// startSessionInstance runs one scopegate on the SQLite file db ("" for
// a store of its own) with the given authserver.session_secret ("" for
// none).
func startSessionInstance(t *testing.T, db, secret string) string {
	t.Helper()
	hash, err := sharedPasswordHash()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String()
	secretLine := ""
	if secret != "" {
		secretLine = fmt.Sprintf("  session_secret: %q\n", secret)
	}
	if db == "" {
		db = t.TempDir() + "/db"
	}
	yaml := fmt.Sprintf("store:\n  dsn: %q\nauthserver:\n  issuer: %q\n%s  users:\n    - username: alice\n      password_hash: %q\n"+
		"gateway:\n  upstreams:\n    api: {url: \"http://127.0.0.1:9\"}\n  routes:\n    - {route: \"GET /status\", upstream: api, public: true}\n",
		db, issuer, secretLine, hash)
	serveApp(t, srv, "s.yaml", yaml)
	return srv.URL
}

// TestSessionSecretSharesSessionsAcrossInstances: instances sharing a
// store share sign-ins (the cookie jar ignores ports, like browsers do),
// with or without a session_secret, unless their secrets differ. With
// separate stores a sign-in stays at the instance whose store recorded
// it, even with the same secret: the session is a record there, so that
// logout can end it (issue 12, finding 5).
func TestSessionSecretSharesSessionsAcrossInstances(t *testing.T) {
	shared := "a-session-secret-that-is-long-enough-0123456789"
	tests := []struct {
		name        string
		sharedStore bool
		secretA     string
		secretB     string
		signedInAtB bool
	}{
		{"shared store, same secret", true, shared, shared, true},
		{"shared store, no secret", true, "", "", true},
		{"shared store, different secrets", true, shared, shared + "x", false},
		{"separate stores, same secret", false, shared, shared, false},
		{"separate stores, no secret", false, "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dbA, dbB := "", ""
			if tc.sharedStore {
				dbA = t.TempDir() + "/db"
				dbB = dbA
			}
			a, b := startSessionInstance(t, dbA, tc.secretA), startSessionInstance(t, dbB, tc.secretB)
			c := browser("http://unused.invalid/")
			resp, err := c.Get(a + "/oauth2/login")
			if err != nil {
				t.Fatal(err)
			}
			resp = submitForm(t, c, resp, map[string]string{"username": "alice", "password": testPassword})
			resp.Body.Close()
			if !accountSignedIn(t, c, a) {
				t.Fatal("not signed in at the instance that handled the login")
			}
			if got := accountSignedIn(t, c, b); got != tc.signedInAtB {
				t.Errorf("signed in at the other instance = %v, want %v", got, tc.signedInAtB)
			}
		})
	}
}

// accountSignedIn reports whether the account page answers with the page
// (signed in) rather than a redirect to the login page, with the cookies
// the browser c holds.
func accountSignedIn(t *testing.T, c *http.Client, base string) bool {
	t.Helper()
	noFollow := &http.Client{Jar: c.Jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	resp, err := noFollow.Get(base + "/oauth2/account")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
