package authserver

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func loginURL(env *testEnv) string {
	return env.authURL(url.Values{"client_id": {printerID}, "response_type": {"code"}, "scope": {"photos.read"}})
}

// TestLoginFailureIsGeneric: unknown user and wrong password look the same.
func TestLoginFailureIsGeneric(t *testing.T) {
	env := newTestServer(t, nil)
	var bodies []string
	for _, user := range []string{"alice", "mallory"} {
		b := newBrowser(t, env)
		p := b.follow(b.get(loginURL(env)))
		p = b.submit(p, "/oauth2/login", url.Values{"username": {user}, "password": {"wrong"}})
		if p.status != http.StatusUnauthorized || !strings.Contains(p.body, msgBadLogin) {
			t.Fatalf("user %s: status %d, want 401 with %q", user, p.status, msgBadLogin)
		}
		bodies = append(bodies, strings.ReplaceAll(p.body, user, "USER"))
	}
	// The pages differ only in CSRF token and the sealed request.
	if strings.Count(bodies[0], msgBadLogin) != strings.Count(bodies[1], msgBadLogin) {
		t.Error("failure pages for unknown and known users differ")
	}
}

// TestLoginRateLimit: 5 failures per account (canonicalised) from one
// address and 20 per address in 15 minutes, then 429 even with the right
// password (threat model B.11).
func TestLoginRateLimit(t *testing.T) {
	env := newTestServer(t, nil)
	b := newBrowser(t, env)
	p := b.follow(b.get(loginURL(env)))
	names := []string{"alice", "Alice", " ALICE ", "alice", "aLiCe"}
	for i, name := range names {
		p = b.submit(p, "/oauth2/login", url.Values{"username": {name}, "password": {"wrong"}})
		if p.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d, want 401", i+1, p.status)
		}
	}
	p = b.submit(p, "/oauth2/login", url.Values{"username": {"alice"}, "password": {alicePassword}})
	if p.status != http.StatusTooManyRequests || !strings.Contains(p.body, msgTooManyAttempts) {
		t.Fatalf("6th attempt with the right password: status %d, want 429 with %q", p.status, msgTooManyAttempts)
	}
	// bob is unaffected until the address limit is reached.
	p = b.submit(p, "/oauth2/login", url.Values{"username": {"bob"}, "password": {"bob's password"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("other account from the same address: status %d, want 303", p.status)
	}
	// The account is not locked for everyone: alice signs in from
	// another address.
	elsewhere := newBrowserFrom(t, env, "127.0.0.2")
	p = elsewhere.follow(elsewhere.get(loginURL(env)))
	p = elsewhere.submit(p, "/oauth2/login", url.Values{"username": {"alice"}, "password": {alicePassword}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("alice from another address: status %d, want 303", p.status)
	}
	b2 := newBrowser(t, env)
	p = b2.follow(b2.get(loginURL(env)))
	for i := 0; i < 15; i++ { // 5 + 15 = 20 failures from 127.0.0.1
		p = b2.submit(p, "/oauth2/login", url.Values{"username": {"user" + string(rune('a'+i))}, "password": {"x"}})
	}
	p = b2.submit(p, "/oauth2/login", url.Values{"username": {"bob"}, "password": {"bob's password"}})
	if p.status != http.StatusTooManyRequests {
		t.Errorf("after 20 failures from one address: status %d, want 429", p.status)
	}
}

// TestSessionCookie: the session ID changes at login (no fixation) and
// the cookie has HttpOnly, SameSite=Lax and Path=/ (threat model B.9).
func TestSessionCookie(t *testing.T) {
	env := newTestServer(t, nil)
	b := newBrowser(t, env)
	p := b.follow(b.get(loginURL(env)))
	before := sessionCookie(t, p.header, env)
	if before == nil {
		// The login page got it through a redirect hop; read the jar.
		before = jarCookie(b, env)
	}
	p = b.submit(p, "/oauth2/login", url.Values{"username": {"alice"}, "password": {alicePassword}})
	after := sessionCookie(t, p.header, env)
	if after == nil {
		t.Fatal("login set no session cookie")
	}
	if before == nil || before.Value == after.Value {
		t.Error("session cookie did not change at login")
	}
	if !after.HttpOnly || after.SameSite != http.SameSiteLaxMode || after.Path != "/" {
		t.Errorf("cookie HttpOnly=%v SameSite=%v Path=%q, want true, Lax, /", after.HttpOnly, after.SameSite, after.Path)
	}
	if after.Secure {
		t.Error("cookie is Secure on an http issuer; browsers would drop it")
	}
	// The pre-login cookie is not a signed-in session: replaying it gets
	// the login page, not consent.
	fix := newBrowser(t, env)
	u, _ := url.Parse(env.ts.URL)
	fix.c.Jar.SetCookies(u, []*http.Cookie{before})
	p = fix.follow(fix.get(loginURL(env)))
	if !strings.Contains(p.body, `name="password"`) {
		t.Errorf("planted pre-login cookie led past login: status %d", p.status)
	}
}

func sessionCookie(t *testing.T, h http.Header, env *testEnv) *http.Cookie {
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == env.srv.sessionCookieName() {
			return c
		}
	}
	return nil
}

func jarCookie(b *browser, env *testEnv) *http.Cookie {
	u, _ := url.Parse(env.ts.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == env.srv.sessionCookieName() {
			return c
		}
	}
	return nil
}

// TestSecureCookieOnHTTPS: an https issuer gets Secure and __Host- cookies.
func TestSecureCookieOnHTTPS(t *testing.T) {
	env := newTestServer(t, func(c *Config) { c.Issuer = "https://auth.example.com" })
	rec := httptest.NewRecorder()
	if err := env.srv.writeSession(rec, &session{ID: "x"}); err != nil {
		t.Fatal(err)
	}
	c := sessionCookie(t, rec.Header(), env)
	if c == nil || !c.Secure || !strings.HasPrefix(c.Name, "__Host-") {
		t.Errorf("cookie %+v, want Secure with the __Host- prefix", c)
	}
}

// TestCSRF: every form POST needs the token of the browser's own session.
func TestCSRF(t *testing.T) {
	env := newTestServer(t, nil)
	victim := newBrowser(t, env)
	p := victim.follow(victim.get(loginURL(env)))
	login, _ := findForm(p.body, "/oauth2/login")

	attacker := newBrowser(t, env)
	ap := attacker.follow(attacker.get(loginURL(env)))
	attackerForm, _ := findForm(ap.body, "/oauth2/login")

	signedIn := newBrowser(t, env)
	sp := signedIn.follow(signedIn.get(loginURL(env)))
	sp = signedIn.follow(signedIn.submit(sp, "/oauth2/login", url.Values{"username": {"alice"}, "password": {alicePassword}}))
	consent, ok := findForm(sp.body, "/oauth2/consent")
	if !ok {
		t.Fatalf("no consent form:\n%s", sp.body)
	}
	tests := []struct {
		name  string
		b     *browser
		path  string
		form  url.Values
		token string
	}{
		{"login without token", victim, "/oauth2/login", login.fields, ""},
		{"login with another browser's token", victim, "/oauth2/login", login.fields, attackerForm.fields.Get("csrf_token")},
		{"login without any cookie", newBrowser(t, env), "/oauth2/login", login.fields, login.fields.Get("csrf_token")},
		{"consent without token", signedIn, "/oauth2/consent", consent.fields, ""},
		{"consent with the pre-login token", signedIn, "/oauth2/consent", consent.fields, login.fields.Get("csrf_token")},
		{"revoke without token", signedIn, "/oauth2/account/revoke", url.Values{"client_id": {printerID}}, ""},
		{"logout without token", signedIn, "/oauth2/logout", url.Values{}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := url.Values{}
			for k, v := range tc.form {
				f[k] = v
			}
			f.Set("username", "alice")
			f.Set("password", alicePassword)
			f.Set("decision", "allow")
			f.Set("csrf_token", tc.token)
			p := tc.b.post(tc.path, f)
			if p.status != http.StatusForbidden || p.header.Get("Location") != "" {
				t.Errorf("POST %s: status %d Location %q, want 403 page", tc.path, p.status, p.header.Get("Location"))
			}
		})
	}
}

// TestAccountRevokeAndLogout: the user sees the granted client, removes
// it (consent is asked again), and signs out.
func TestAccountRevokeAndLogout(t *testing.T) {
	env := newTestServer(t, nil)
	b := newBrowser(t, env)
	redirectParams(t, b.authorize(loginURL(env), "alice", alicePassword))
	acct := b.get("/oauth2/account")
	if acct.status != http.StatusOK || !strings.Contains(acct.body, "PrintMyPhotos") || !strings.Contains(acct.body, "See the photos you choose") {
		t.Fatalf("account page: status %d, want the granted client and its scope:\n%s", acct.status, acct.body)
	}
	p := b.submit(acct, "/oauth2/account/revoke", nil)
	if p.status != http.StatusSeeOther {
		t.Fatalf("revoke: status %d, want 303", p.status)
	}
	p = b.follow(p)
	if !strings.Contains(p.body, "Access for PrintMyPhotos was removed.") {
		t.Errorf("no removal notice on:\n%s", p.body)
	}
	p = b.follow(b.get(loginURL(env)))
	if !strings.Contains(p.body, `value="allow"`) {
		t.Errorf("after revoke, authorization did not ask for consent again (status %d)", p.status)
	}
	acct = b.get("/oauth2/account")
	p = b.submit(acct, "/oauth2/logout", nil)
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/oauth2/logout" {
		t.Fatalf("logout: status %d Location %q, want 303 to /oauth2/logout", p.status, p.header.Get("Location"))
	}
	p = b.follow(p)
	if p.status != http.StatusOK || !strings.Contains(p.body, "signed out") {
		t.Errorf("after logout: status %d, want the signed-out page", p.status)
	}
	if p := b.get("/oauth2/account"); p.status != http.StatusSeeOther {
		t.Errorf("account after logout: status %d, want 303 to login", p.status)
	}
}

// TestNoOpenRedirect: no endpoint sends the browser to a URL from the
// query (RFC 9700 §4.11).
func TestNoOpenRedirect(t *testing.T) {
	env := newTestServer(t, nil)
	b := newBrowser(t, env)
	redirectParams(t, b.authorize(loginURL(env), "alice", alicePassword))
	evil := url.QueryEscape("https://evil.example/")
	for _, path := range []string{
		"/oauth2/login?next=" + evil + "&redirect_uri=" + evil + "&return_to=" + evil,
		"/oauth2/logout?post_logout_redirect_uri=" + evil + "&next=" + evil,
		"/oauth2/account?next=" + evil + "&revoked=" + evil,
		"/oauth2/consent?authz=x&redirect_uri=" + evil,
	} {
		p := b.get(path)
		if loc := p.header.Get("Location"); strings.Contains(loc, "evil") {
			t.Errorf("GET %s redirected to %q", path, loc)
		}
		if strings.Contains(p.body, "evil.example") {
			t.Errorf("GET %s echoed the URL into the page", path)
		}
	}
}

// TestLoginAccountLimitAcrossAddresses: guessing spread over many
// addresses stops at 50 failures per account in 15 minutes, while one
// address alone can never reach that (5 per account, 20 in all).
func TestLoginAccountLimitAcrossAddresses(t *testing.T) {
	env := newTestServer(t, nil)
	for i := 0; i < 10; i++ {
		b := newBrowserFrom(t, env, fmt.Sprintf("127.0.1.%d", i+1))
		p := b.follow(b.get(loginURL(env)))
		for j := 0; j < 5; j++ {
			p = b.submit(p, "/oauth2/login", url.Values{"username": {"bob"}, "password": {"guess"}})
			if p.status != http.StatusUnauthorized {
				t.Fatalf("address %d, failure %d: status %d, want 401", i+1, j+1, p.status)
			}
		}
	}
	b := newBrowserFrom(t, env, "127.0.2.1")
	p := b.follow(b.get(loginURL(env)))
	p = b.submit(p, "/oauth2/login", url.Values{"username": {"bob"}, "password": {"bob's password"}})
	if p.status != http.StatusTooManyRequests {
		t.Errorf("after 50 failures from 10 addresses: status %d, want 429", p.status)
	}
	p = b.submit(p, "/oauth2/login", url.Values{"username": {"alice"}, "password": {alicePassword}})
	if p.status != http.StatusSeeOther {
		t.Errorf("another account from a fresh address: status %d, want 303", p.status)
	}
}

// TestLongUsername: an oversized username is a plain failure, and is not
// kept as a rate-limit key.
func TestLongUsername(t *testing.T) {
	env := newTestServer(t, nil)
	b := newBrowser(t, env)
	p := b.follow(b.get(loginURL(env)))
	p = b.submit(p, "/oauth2/login", url.Values{"username": {strings.Repeat("a", maxUsernameLen+1)}, "password": {"x"}})
	if p.status != http.StatusUnauthorized || !strings.Contains(p.body, msgBadLogin) {
		t.Errorf("status %d, want 401 with %q", p.status, msgBadLogin)
	}
	if n := len(env.srv.logins.m) + len(env.srv.accounts.m); n != 0 {
		t.Errorf("%d rate-limit keys kept for the oversized username, want none", n)
	}
	if strings.Contains(p.body, strings.Repeat("a", maxUsernameLen)) {
		t.Error("the oversized username was echoed back into the form")
	}
}

func TestClientAddr(t *testing.T) {
	tests := []struct{ remote, want string }{
		{"192.0.2.7:5000", "192.0.2.7"},
		{"[::ffff:192.0.2.7]:5000", "192.0.2.7"},
		{"[2001:db8:1:2:aaaa::1]:5000", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff:ffff:ffff:ffff]:443", "2001:db8:1:2::/64"},
		{"[fe80::1%eth0]:1", "fe80::/64"},
		{"@", "@"}, // a unix socket peer
	}
	for _, tc := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		if got := (&Server{}).clientAddr(r); got != tc.want {
			t.Errorf("clientAddr(%q) = %q, want %q", tc.remote, got, tc.want)
		}
	}
}
