package authserver

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestPromptAndMaxAge: prompt=login, prompt=select_account and max_age
// force a new sign-in over an existing session, prompt=consent shows the
// consent page again, and prompt=none reports what it cannot do without
// the user (OIDC Core §3.1.2.1). openid-client checks auth_time against
// max_age, so ignoring max_age fails there once the session is old.
func TestPromptAndMaxAge(t *testing.T) {
	tests := []struct {
		name   string
		params url.Values
		// pages the browser must see, in order, before the redirect
		wantPages []string
		wantError string // error in the redirect instead of a code
		freshAuth bool   // auth_time must be the time of this request
	}{
		{name: "no prompt: session reused", params: url.Values{}, wantPages: nil},
		{name: "prompt=login", params: url.Values{"prompt": {"login"}}, wantPages: []string{"login"}, freshAuth: true},
		{name: "prompt=select_account", params: url.Values{"prompt": {"select_account"}}, wantPages: []string{"login"}, freshAuth: true},
		{name: "prompt=login consent", params: url.Values{"prompt": {"login consent"}}, wantPages: []string{"login", "consent"}, freshAuth: true},
		{name: "prompt=consent", params: url.Values{"prompt": {"consent"}}, wantPages: []string{"consent"}},
		{name: "unknown prompt value ignored", params: url.Values{"prompt": {"create"}}, wantPages: nil},
		{name: "max_age older than session", params: url.Values{"max_age": {"60"}}, wantPages: nil},
		{name: "max_age younger than session", params: url.Values{"max_age": {"5"}}, wantPages: []string{"login"}, freshAuth: true},
		{name: "max_age=0", params: url.Values{"max_age": {"0"}}, wantPages: []string{"login"}, freshAuth: true},
		{name: "prompt=none, max_age exceeded", params: url.Values{"prompt": {"none"}, "max_age": {"5"}}, wantError: "login_required"},
		{name: "prompt=none, session fresh enough", params: url.Values{"prompt": {"none"}, "max_age": {"60"}}, wantPages: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var clock atomic.Int64
			clock.Store(time.Now().Unix())
			env := newTestServer(t, func(c *Config) { c.Now = func() time.Time { return time.Unix(clock.Load(), 0) } })
			b := newBrowser(t, env)
			params := func(extra url.Values) url.Values {
				v := url.Values{"client_id": {printerID}, "response_type": {"code"}, "scope": {"openid photos.read"}, "state": {"s"}, "nonce": {"n"}}
				for k, vals := range extra {
					v[k] = vals
				}
				return v
			}
			// Sign in and consent once, then let 10 seconds pass.
			signedInAt := clock.Load()
			redirectParams(t, b.authorize(env.authURL(params(nil)), "alice", alicePassword))
			clock.Add(10)

			var seen []string
			p := b.follow(b.get(env.authURL(params(tc.params))))
			for i := 0; i < 3 && p.status == http.StatusOK; i++ {
				switch {
				case strings.Contains(p.body, `name="password"`):
					seen = append(seen, "login")
					p = b.follow(b.submit(p, "/oauth2/login", url.Values{"username": {"alice"}, "password": {alicePassword}}))
				case strings.Contains(p.body, `value="allow"`):
					seen = append(seen, "consent")
					p = b.follow(b.submit(p, "/oauth2/consent", url.Values{"decision": {"allow"}}))
				}
			}
			if strings.Join(seen, ",") != strings.Join(tc.wantPages, ",") {
				t.Errorf("pages shown = %v, want %v", seen, tc.wantPages)
			}
			q := redirectParams(t, p)
			if tc.wantError != "" {
				if q.Get("error") != tc.wantError || q.Get("iss") != env.ts.URL || q.Get("state") != "s" || q.Has("code") {
					t.Errorf("redirect params = %v, want error=%s with iss and state", q, tc.wantError)
				}
				return
			}
			if q.Get("code") == "" {
				t.Fatalf("no code in redirect: %v", q)
			}
			res := env.callToken(t, tokenCall{form: url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}},
				basic: []string{printerID, printerSecret}})
			raw, _ := res.json["id_token"].(string)
			authTime := idTokenClaim(t, raw, "auth_time")
			want := signedInAt
			if tc.freshAuth {
				want = clock.Load()
			}
			if int64(authTime) != want {
				t.Errorf("auth_time = %v, want %d (signed in at %d, now %d)", authTime, want, signedInAt, clock.Load())
			}
		})
	}
}

// TestPromptLoginConsentPageNeedsFreshLogin: a consent form opened with
// an old session cannot complete a prompt=login request.
func TestPromptLoginConsentPageNeedsFreshLogin(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Now().Unix())
	env := newTestServer(t, func(c *Config) { c.Now = func() time.Time { return time.Unix(clock.Load(), 0) } })
	b := newBrowser(t, env)
	v := url.Values{"client_id": {printerID}, "response_type": {"code"}, "scope": {"openid photos.read"}, "state": {"s"}}
	redirectParams(t, b.authorize(env.authURL(v), "alice", alicePassword))
	clock.Add(10)
	v.Set("prompt", "login consent")
	p := b.follow(b.get(env.authURL(v)))
	if !strings.Contains(p.body, `name="password"`) {
		t.Fatalf("prompt=login: status %d, want the login page", p.status)
	}
	// Skip the login: open the consent page with the same sealed request.
	authz := p.url.Query().Get("authz")
	c := b.follow(b.get("/oauth2/consent?" + url.Values{"authz": {authz}}.Encode()))
	if strings.Contains(c.body, `value="allow"`) {
		t.Fatal("consent page shown without the sign-in prompt=login demands")
	}
}

// idTokenClaim reads one claim of a JWT without verifying it (the flow
// tests verify ID tokens; here only the value matters).
func idTokenClaim(t *testing.T, raw, name string) float64 {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("id_token %q is not a JWS", raw)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(payload, &m); err != nil {
		t.Fatal(err)
	}
	f, _ := m[name].(float64)
	return f
}

// TestPromptLoginSameSecond: prompt=login and max_age=0 ask for a new
// sign-in even when the session's sign-in was in the same second as the
// request (auth_time has whole seconds; the comparison must not).
func TestPromptLoginSameSecond(t *testing.T) {
	base := time.Now().Truncate(time.Second)
	var ticks atomic.Int64 // every reading of the clock is a microsecond later
	env := newTestServer(t, func(c *Config) {
		c.Now = func() time.Time { return base.Add(time.Duration(ticks.Add(1)) * time.Microsecond) }
	})
	b := newBrowser(t, env)
	params := func(k, v string) string {
		q := url.Values{"client_id": {printerID}, "response_type": {"code"}, "scope": {"openid photos.read"}, "nonce": {"n"}}
		if k != "" {
			q.Set(k, v)
		}
		return env.authURL(q)
	}
	redirectParams(t, b.authorize(params("", ""), "alice", alicePassword))
	for _, p := range [][2]string{{"prompt", "login"}, {"max_age", "0"}} {
		page := b.follow(b.get(params(p[0], p[1])))
		if !strings.Contains(page.body, `name="password"`) {
			t.Errorf("%s=%s in the second of the sign-in: status %d Location %q; want the login page", p[0], p[1], page.status, page.header.Get("Location"))
		}
	}
	if elapsed := time.Duration(ticks.Load()) * time.Microsecond; elapsed >= time.Second {
		t.Fatalf("the test's clock left the second (%v): it proves nothing", elapsed)
	}
}

// TestIDTokenHint: an id_token_hint naming another user than the signed-in
// one gets login_required with prompt=none and the login page without it;
// one naming the signed-in user gets a code; one we did not issue is an
// invalid_request (OIDC Core §3.1.2.1).
func TestIDTokenHint(t *testing.T) {
	env := newTestServer(t, nil)
	authURL := func(extra ...string) string {
		q := url.Values{"client_id": {printerID}, "response_type": {"code"}, "scope": {"openid"}, "nonce": {"n"}, "state": {"s"}}
		for i := 0; i < len(extra); i += 2 {
			q.Set(extra[i], extra[i+1])
		}
		return env.authURL(q)
	}
	idTokenOf := func(b *browser, user, password string) string {
		t.Helper()
		res := env.redeem(t, redirectParams(t, b.authorize(authURL(), user, password)).Get("code"))
		if str(res.json, "id_token") == "" {
			t.Fatalf("code exchange for %s: %d %v; want an ID token", user, res.status, res.json)
		}
		return str(res.json, "id_token")
	}
	alices := idTokenOf(newBrowser(t, env), "alice", alicePassword)
	b := newBrowser(t, env)
	bobs := idTokenOf(b, "bob", "bob's password")

	tests := []struct {
		name      string
		extra     []string
		wantError string // in the redirect; "" wants a code
		wantLogin bool   // the login page instead of a redirect
	}{
		{"hint of the signed-in user", []string{"prompt", "none", "id_token_hint", bobs}, "", false},
		{"hint of another user, prompt=none", []string{"prompt", "none", "id_token_hint", alices}, "login_required", false},
		{"hint of another user", []string{"id_token_hint", alices}, "", true},
		{"not an ID token of ours", []string{"prompt", "none", "id_token_hint", "eyJhbGciOiJub25lIn0.e30."}, "invalid_request", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := b.follow(b.get(authURL(tc.extra...)))
			if tc.wantLogin {
				if p.status != http.StatusOK || !strings.Contains(p.body, `name="password"`) {
					t.Errorf("status %d; want the login page", p.status)
				}
				return
			}
			q := redirectParams(t, p)
			if q.Get("error") != tc.wantError || (tc.wantError == "") != q.Has("code") {
				t.Errorf("redirect %v; want error %q", q, tc.wantError)
			}
		})
	}
}
