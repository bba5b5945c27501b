package authserver

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const testChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGEgc-cM5Q" // RFC 7636 appendix B

// TestAuthorizeErrors covers every way an authorization request can fail:
// a page at the server when the client or redirect URI cannot be trusted
// (RFC 9700 §4.1.3, RFC 8252 §7.3, RFC 6749 §4.1.2.1), otherwise a 303 back to the client with the error,
// the state and iss (A.11, A.12, A.17, A.18).
func TestAuthorizeErrors(t *testing.T) {
	env := newTestServer(t, nil)
	base := func(mod func(url.Values)) string {
		v := url.Values{"client_id": {printerID}, "redirect_uri": {printerRedir}, "response_type": {"code"},
			"scope": {"photos.read"}, "state": {"s"}}
		if mod != nil {
			mod(v)
		}
		return env.ts.URL + "/oauth2/authorize?" + v.Encode()
	}
	public := func(mod func(url.Values)) string {
		return base(func(v url.Values) {
			v.Set("client_id", mobileID)
			v.Set("redirect_uri", mobileRedirect)
			v.Set("code_challenge", testChallenge)
			v.Set("code_challenge_method", "S256")
			if mod != nil {
				mod(v)
			}
		})
	}
	setRedirect := func(u string) func(url.Values) { return func(v url.Values) { v.Set("redirect_uri", u) } }
	tests := []struct {
		name      string
		url       string
		wantPage  bool   // error page (400) instead of a redirect
		wantError string // error code in the redirect
	}{
		{name: "unknown client", url: base(func(v url.Values) { v.Set("client_id", "evil") }), wantPage: true},
		{name: "missing client", url: base(func(v url.Values) { v.Del("client_id") }), wantPage: true},
		{name: "unregistered redirect", url: base(setRedirect("https://evil.example/cb")), wantPage: true},
		{name: "redirect trailing slash", url: base(setRedirect(printerRedir + "/")), wantPage: true},
		{name: "redirect upper case", url: base(setRedirect(strings.ToUpper(printerRedir))), wantPage: true},
		{name: "redirect extra query", url: base(setRedirect(printerRedir + "?x=1")), wantPage: true},
		{name: "redirect extra path", url: base(setRedirect(printerRedir + "/more")), wantPage: true},
		{name: "redirect userinfo", url: base(setRedirect("http://evil@127.0.0.1:8081/callback")), wantPage: true},
		{name: "redirect fragment", url: base(setRedirect(printerRedir + "#f")), wantPage: true},
		{name: "redirect percent-encoded", url: base(setRedirect("http://127.0.0.1:8081/%63allback")), wantPage: true},
		{name: "confidential client, loopback IP literal, other port", url: base(setRedirect("http://127.0.0.1:8082/callback")), wantPage: true},
		{name: "duplicate client_id", url: base(nil) + "&client_id=" + printerID, wantPage: true},
		{name: "duplicate redirect_uri", url: base(nil) + "&redirect_uri=" + url.QueryEscape(printerRedir), wantPage: true},
		{name: "omitted redirect with two registered", url: public(func(v url.Values) { v.Del("redirect_uri") }), wantPage: true},
		{name: "duplicate scope", url: base(nil) + "&scope=photos.read", wantError: "invalid_request"},
		{name: "missing response_type", url: base(func(v url.Values) { v.Del("response_type") }), wantError: "invalid_request"},
		{name: "response_type token", url: base(func(v url.Values) { v.Set("response_type", "token") }), wantError: "unsupported_response_type"},
		{name: "response_type id_token", url: base(func(v url.Values) { v.Set("response_type", "code id_token") }), wantError: "unsupported_response_type"},
		{name: "response_mode fragment", url: base(func(v url.Values) { v.Set("response_mode", "fragment") }), wantError: "invalid_request"},
		{name: "public client without PKCE", url: public(func(v url.Values) { v.Del("code_challenge"); v.Del("code_challenge_method") }), wantError: "invalid_request"},
		{name: "PKCE plain", url: public(func(v url.Values) { v.Set("code_challenge_method", "plain") }), wantError: "invalid_request"},
		{name: "PKCE method missing", url: public(func(v url.Values) { v.Del("code_challenge_method") }), wantError: "invalid_request"},
		{name: "PKCE challenge malformed", url: public(func(v url.Values) { v.Set("code_challenge", "short") }), wantError: "invalid_request"},
		{name: "method without challenge", url: base(func(v url.Values) { v.Set("code_challenge_method", "S256") }), wantError: "invalid_request"},
		{name: "scope not allowed for client", url: base(func(v url.Values) { v.Set("scope", "photos.write") }), wantError: "invalid_scope"},
		{name: "scope not declared", url: base(func(v url.Values) { v.Set("scope", "admin") }), wantError: "invalid_scope"},
		{name: "scope missing", url: base(func(v url.Values) { v.Del("scope") }), wantError: "invalid_scope"},
		{name: "client without code grant", url: base(func(v url.Values) { v.Set("client_id", "batch-job"); v.Del("redirect_uri") }), wantPage: true},
		{name: "request object", url: base(func(v url.Values) { v.Set("request", "e30.e30.") }), wantError: "request_not_supported"},
		{name: "prompt none without session", url: base(func(v url.Values) { v.Set("prompt", "none") }), wantError: "login_required"},
		{name: "prompt none with max_age without session", url: base(func(v url.Values) { v.Set("prompt", "none"); v.Set("max_age", "60") }), wantError: "login_required"},
		{name: "prompt none combined with login", url: base(func(v url.Values) { v.Set("prompt", "none login") }), wantError: "invalid_request"},
		{name: "max_age negative", url: base(func(v url.Values) { v.Set("max_age", "-1") }), wantError: "invalid_request"},
		{name: "max_age not a number", url: base(func(v url.Values) { v.Set("max_age", "1h") }), wantError: "invalid_request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(t, env)
			p := b.get(tc.url)
			if tc.wantPage {
				if p.status != http.StatusBadRequest || p.header.Get("Location") != "" {
					t.Fatalf("GET %s: status %d Location %q, want 400 error page without redirect", tc.url, p.status, p.header.Get("Location"))
				}
				if ct := p.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
					t.Errorf("Content-Type = %q, want an HTML page", ct)
				}
				return
			}
			if tc.wantError == "" {
				// The loopback port rule applies to IP literals, but a port
				// change only: the request goes on to login.
				if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/oauth2/login?") {
					t.Fatalf("status %d Location %q, want 303 to the login page", p.status, p.header.Get("Location"))
				}
				return
			}
			q := redirectParams(t, p)
			loc := p.header.Get("Location")
			if !strings.HasPrefix(loc, printerRedir+"?") && !strings.HasPrefix(loc, mobileRedirect+"?") {
				t.Errorf("Location = %q, want the registered redirect URI", loc)
			}
			if q.Get("error") != tc.wantError || q.Get("iss") != env.ts.URL || q.Get("state") != "s" {
				t.Errorf("redirect params = %v, want error=%s, iss=%s, state=s", q, tc.wantError, env.ts.URL)
			}
		})
	}
}

// TestAuthorizePOST: the endpoint takes a form body as well (RFC 6749 §3.1).
func TestAuthorizePOST(t *testing.T) {
	env := newTestServer(t, nil)
	b := newBrowser(t, env)
	p := b.post("/oauth2/authorize", url.Values{"client_id": {printerID}, "response_type": {"code"}, "scope": {"photos.read"}})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/oauth2/login?authz=") {
		t.Errorf("POST authorize: status %d Location %q, want 303 to login", p.status, p.header.Get("Location"))
	}
}

// TestLoopbackPortMayVary: RFC 8252 §7.3, only for loopback IP literals.
func TestLoopbackPortMayVary(t *testing.T) {
	env := newTestServer(t, nil)
	b := newBrowser(t, env)
	for _, tc := range []struct {
		name, redirect string
		ok             bool
	}{
		{"registered without port, any port", "http://127.0.0.1:53123/native", true},
		{"same URI", "http://127.0.0.1/native", true},
		{"other path", "http://127.0.0.1:53123/other", false},
		{"localhost name does not vary", "http://localhost:53123/native", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := b.get(env.authURL(url.Values{"client_id": {mobileID}, "redirect_uri": {tc.redirect},
				"response_type": {"code"}, "scope": {"photos.read"}, "code_challenge": {testChallenge},
				"code_challenge_method": {"S256"}}))
			if got := p.status == http.StatusSeeOther; got != tc.ok {
				t.Errorf("redirect %s: status %d, want accepted=%v", tc.redirect, p.status, tc.ok)
			}
		})
	}
}

// TestSealedRequestCannotBeChanged: the pending request is sealed; a
// changed seal is refused, and form fields cannot redirect the code
// elsewhere.
func TestSealedRequestCannotBeChanged(t *testing.T) {
	env := newTestServer(t, nil)
	b := newBrowser(t, env)
	p := b.follow(b.get(loginURL(env)))
	login, _ := findForm(p.body, "/oauth2/login")
	sealed := login.fields.Get("authz")
	if sealed == "" {
		t.Fatal("login form carries no sealed request")
	}
	tampered := []byte(sealed)
	tampered[len(tampered)/2] ^= 1
	for _, authz := range []string{string(tampered), "forged"} {
		if p := b.get("/oauth2/login?authz=" + url.QueryEscape(authz)); p.status != http.StatusBadRequest {
			t.Errorf("login with a changed seal: status %d, want 400", p.status)
		}
	}
	p = b.follow(b.submit(p, "/oauth2/login", url.Values{"username": {"alice"}, "password": {alicePassword}}))
	p = b.submit(p, "/oauth2/consent", url.Values{"decision": {"allow"}, "redirect_uri": {"https://evil.example/cb"},
		"client_id": {mobileID}, "scope": {"photos.write"}})
	if loc := p.header.Get("Location"); !strings.HasPrefix(loc, printerRedir+"?") {
		t.Errorf("consent with extra form fields redirected to %q, want %s", loc, printerRedir)
	}
}

// TestReusedChallengeIsLogged: the same code_challenge or nonce in two
// transactions is logged (RFC 9700 §2.1.1).
func TestReusedChallengeIsLogged(t *testing.T) {
	env := newTestServer(t, nil)
	b := newBrowser(t, env)
	params := url.Values{"code_challenge": {testChallenge}, "code_challenge_method": {"S256"}, "nonce": {"n1"}}
	env.codeFor(t, b, params)
	if n := env.logs.FilterMessageSnippet("reused").Len(); n != 0 {
		t.Fatalf("%d reuse warnings after the first transaction, want 0", n)
	}
	env.codeFor(t, b, params)
	for _, msg := range []string{"reused code_challenge in a new authorization", "reused nonce in a new authorization"} {
		if env.logs.FilterMessage(msg).Len() != 1 {
			t.Errorf("no %q log after the second transaction", msg)
		}
	}
}

// TestStateAndNonceLimits: state and nonce up to 1024 bytes each survive
// the sealed round trip through login and consent; longer ones get
// invalid_request at once instead of a failure halfway.
func TestStateAndNonceLimits(t *testing.T) {
	env := newTestServer(t, nil)
	longest := strings.Repeat("s", maxStateLen)
	v := url.Values{"client_id": {printerID}, "response_type": {"code"}, "scope": {"openid photos.read"},
		"state": {longest}, "nonce": {strings.Repeat("n", maxStateLen)}}
	q := redirectParams(t, newBrowser(t, env).authorize(env.authURL(v), "alice", alicePassword))
	if q.Get("code") == "" || q.Get("state") != longest {
		t.Fatalf("1024-byte state and nonce: redirect %.200v, want a code and the state back", q)
	}
	for _, param := range []string{"state", "nonce"} {
		v := url.Values{"client_id": {printerID}, "response_type": {"code"}, "scope": {"photos.read"}, "state": {"s"}}
		v.Set(param, strings.Repeat("x", maxStateLen+1))
		q := redirectParams(t, newBrowser(t, env).get(env.authURL(v)))
		if q.Get("error") != "invalid_request" || q.Get("code") != "" {
			t.Errorf("%s of %d bytes: redirect %.200v, want error=invalid_request", param, maxStateLen+1, q)
		}
		if want := map[string]string{"state": "", "nonce": "s"}[param]; q.Get("state") != want {
			t.Errorf("%s of %d bytes: state in the redirect = %.20q…, want %q", param, maxStateLen+1, q.Get("state"), want)
		}
	}
}

// TestHeadAuthorizeIssuesNoCode: a HEAD of an authorization URL by a
// signed-in browser that already consented gets 405, not a code.
func TestHeadAuthorizeIssuesNoCode(t *testing.T) {
	env := newTestServer(t, nil)
	b := newBrowser(t, env)
	v := url.Values{"client_id": {printerID}, "response_type": {"code"}, "scope": {"photos.read"}}
	redirectParams(t, b.authorize(env.authURL(v), "alice", alicePassword))
	req, _ := http.NewRequest(http.MethodHead, env.authURL(v), nil)
	p := b.do(req)
	if p.status != http.StatusMethodNotAllowed || p.header.Get("Location") != "" {
		t.Errorf("HEAD: status %d Location %q, want 405 and no redirect", p.status, p.header.Get("Location"))
	}
}
