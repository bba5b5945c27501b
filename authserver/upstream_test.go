package authserver

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/token"
)

const (
	upstreamID       = "company-a"
	upstreamClientID = "scopegate-b"
	upstreamSecret   = "scopegate-b-secret-0123456789abcdef"
	otherAppID       = "other-app"
	otherAppSecret   = "other-app-secret-0123456789abcdef"
)

// federation is two scopegate instances: a, "Company A", is the upstream
// OpenID provider of b, the server under test, which its users sign in
// to with "Continue with Company A". Both are real servers with real keys
// on loopback addresses; b reaches a through a transport that can play an
// outage or rewrite a's token responses, the way a broken or hostile
// provider would answer.
type federation struct {
	a, b   *testEnv
	clock  atomic.Int64 // b's clock, unix seconds
	down   atomic.Bool  // a is unreachable for b
	calls  atomic.Int64 // requests b made to a
	tamper atomic.Pointer[func(map[string]any)]
	mu     sync.Mutex
	seen   []string // every token a handed to b, for the log check
}

func (f *federation) RoundTrip(req *http.Request) (*http.Response, error) {
	f.calls.Add(1)
	if f.down.Load() {
		return nil, errors.New("dial tcp: connection refused (test outage)")
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || req.URL.Path != "/oauth2/token" {
		return resp, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var m map[string]any
	if json.Unmarshal(body, &m) == nil {
		f.mu.Lock()
		for _, k := range []string{"access_token", "id_token"} {
			if v, ok := m[k].(string); ok {
				f.seen = append(f.seen, v)
			}
		}
		f.mu.Unlock()
		if fn := f.tamper.Load(); fn != nil {
			(*fn)(m)
			body, _ = json.Marshal(m)
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}

func (f *federation) setTamper(fn func(map[string]any)) {
	if fn == nil {
		f.tamper.Store(nil)
		return
	}
	f.tamper.Store(&fn)
}

func newFederation(t *testing.T, change func(*Config)) *federation {
	t.Helper()
	f := &federation{}
	f.clock.Store(time.Now().Unix())
	lnB, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// Another loopback address, so that the browser's cookies of the two
	// servers stay apart as they would on two hosts.
	lnA, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		lnB.Close()
		t.Skipf("no second loopback address: %v", err)
	}
	callback := "http://" + lnB.Addr().String() + "/oauth2/idp/" + upstreamID + "/callback"
	f.a = newTestServerOn(t, lnA, func(c *Config) {
		c.Clients = append(c.Clients,
			Client{ID: upstreamClientID, Name: "Photo Drive", Secret: upstreamSecret, RedirectURIs: []string{callback}},
			Client{ID: otherAppID, Secret: otherAppSecret, RedirectURIs: []string{callback}})
	})
	f.b = newTestServerOn(t, lnB, func(c *Config) {
		c.IdentityProviders = []IdentityProvider{{ID: upstreamID, Name: "Company A", Issuer: f.a.ts.URL,
			ClientID: upstreamClientID, ClientSecret: upstreamSecret}}
		c.UpstreamHTTPClient = &http.Client{Transport: f, Timeout: 5 * time.Second}
		c.Now = func() time.Time { return time.Unix(f.clock.Load(), 0) }
		if change != nil {
			change(c)
		}
	})
	return f
}

// walk follows redirects across both servers until stop says so or a
// page is reached; Locations are resolved against the request URL.
func (b *browser) walk(p *page, stop func(*url.URL) bool) *page {
	b.t.Helper()
	for i := 0; i < 20 && isRedirect(p.status); i++ {
		loc, err := p.url.Parse(p.header.Get("Location"))
		if err != nil || stop(loc) {
			return p
		}
		p = b.get(loc.String())
	}
	return p
}

// drive plays the user: at b, "Continue with Company A"; at a, sign in as
// alice and allow; at b, allow the printer. It stops at the first redirect
// that stop accepts, or at a page it does not know.
func (f *federation) drive(t *testing.T, b *browser, p *page, stop func(*url.URL) bool) *page {
	t.Helper()
	aHost := strings.TrimPrefix(f.a.ts.URL, "http://")
	for i := 0; i < 10; i++ {
		p = b.walk(p, stop)
		switch {
		case isRedirect(p.status):
			return p
		case p.status == http.StatusOK && strings.Contains(p.body, "Continue with Company A"):
			p = b.submit(p, "/oauth2/idp/"+upstreamID+"/start", nil)
		case p.status == http.StatusOK && p.url.Host == aHost && strings.Contains(p.body, `name="password"`):
			p = b.submit(p, "/oauth2/login", url.Values{"username": {"alice"}, "password": {alicePassword}})
		case p.status == http.StatusOK && strings.Contains(p.body, `value="allow"`):
			p = b.submit(p, "/oauth2/consent", url.Values{"decision": {"allow"}})
		default:
			return p
		}
	}
	return p
}

func atPrinter(u *url.URL) bool { return strings.HasPrefix(u.String(), printerRedir) }

func (f *federation) atCallback(u *url.URL) bool {
	return strings.HasPrefix(u.String(), f.b.ts.URL+"/oauth2/idp/") || atPrinter(u)
}

// toCallback signs in at a and returns the callback URL b was sent to,
// not yet followed, and the authorization request b sent to a.
func (f *federation) toCallback(t *testing.T, b *browser) (callback, upstreamAuth *url.URL) {
	t.Helper()
	p := f.drive(t, b, b.get("/oauth2/login"), func(u *url.URL) bool {
		if strings.HasPrefix(u.String(), f.a.ts.URL+"/oauth2/authorize") && upstreamAuth == nil {
			upstreamAuth = u
		}
		return f.atCallback(u)
	})
	loc, err := p.url.Parse(p.header.Get("Location"))
	if err != nil || !isRedirect(p.status) || !strings.HasPrefix(loc.String(), f.b.ts.URL+"/oauth2/idp/"+upstreamID+"/callback?") {
		t.Fatalf("did not reach the callback: status %d Location %q\n%s", p.status, p.header.Get("Location"), p.body)
	}
	return loc, upstreamAuth
}

// signedInAtB reports whether b has a session at the server under test.
func (f *federation) signedInAtB(b *browser) bool {
	return b.get(f.b.ts.URL+"/oauth2/account").status == http.StatusOK
}

// upstreamTokens runs a code flow at a for client with nonce in a fresh
// browser and returns a's token response: real tokens of a, for
// tampering.
func (f *federation) upstreamTokens(t *testing.T, client, secret, nonce string) map[string]any {
	t.Helper()
	b := newBrowser(t, f.a)
	q := url.Values{"client_id": {client}, "response_type": {"code"}, "scope": {"openid"}, "nonce": {nonce}}
	p := b.authorize(f.a.authURL(q), "alice", alicePassword)
	code := redirectParams(t, p).Get("code")
	res := f.a.callToken(t, tokenCall{form: url.Values{"grant_type": {"authorization_code"}, "code": {code}}, basic: []string{client, secret}})
	if raw, _ := res.json["id_token"].(string); raw == "" {
		t.Fatalf("no ID token from a: %v", res.json)
	}
	return res.json
}

// resign makes b receive a's ID token with its claims changed by change
// and signed again with a's key, as a provider would sign a token it
// really issued so.
func (f *federation) resign(t *testing.T, change func(map[string]any)) {
	f.setTamper(func(m map[string]any) {
		parts := strings.Split(m["id_token"].(string), ".")
		var claims map[string]any
		if err := json.Unmarshal(unb64(parts[1]), &claims); err != nil {
			t.Errorf("a's ID token: %v", err)
			return
		}
		change(claims)
		payload, _ := json.Marshal(claims)
		key, err := f.a.srv.keys.signer(context.Background(), jose.RS256)
		if err != nil {
			t.Errorf("a's key: %v", err)
			return
		}
		if m["id_token"], err = key.idSigner.sign(payload); err != nil {
			t.Errorf("signing: %v", err)
		}
	})
}

// substitute makes b receive tokens instead of a's answer to its own
// code exchange.
func (f *federation) substitute(tokens map[string]any) {
	f.setTamper(func(m map[string]any) { m["id_token"], m["access_token"] = tokens["id_token"], tokens["access_token"] })
}

// TestUpstreamSignIn: a user of Company A signs in to the printer through
// b without an account at b. The printer, a go-oidc relying party of b on
// default settings, gets an ID token for "company-a:alice" with the
// profile a released, userinfo agrees, and the access token passes b's
// gateway verifier. b's own alice, with the same e-mail, stays apart.
func TestUpstreamSignIn(t *testing.T) {
	f := newFederation(t, nil)
	if n := f.calls.Load(); n != 0 {
		t.Errorf("New made %d requests to the provider; discovery must wait for the first sign-in", n)
	}
	ctx := oidc.ClientContext(context.Background(), f.b.ts.Client())
	provider, err := oidc.NewProvider(ctx, f.b.ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	conf := &oauth2.Config{ClientID: printerID, ClientSecret: printerSecret, RedirectURL: printerRedir,
		Endpoint: provider.Endpoint(), Scopes: []string{"openid", "profile", "email"}}
	// A stale profile from an earlier sign-in is replaced.
	if err := f.b.store.SaveFederatedUser(ctx, store.FederatedUser{Subject: upstreamID + ":alice", Provider: upstreamID,
		Name: "Old Name", Email: "old@example.com", CreatedAt: time.Now(), UpdatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, f.b)
	login := b.follow(b.get(conf.AuthCodeURL("st", oauth2.S256ChallengeOption("v"+strings.Repeat("x", 50)), oidc.Nonce("n-1"))))
	if !strings.Contains(login.body, "Continue with Company A") || !strings.Contains(login.body, `name="password"`) {
		t.Fatalf("b's login page lacks the provider button or the password form:\n%s", login.body)
	}
	p := f.drive(t, b, login, atPrinter)
	q := redirectParams(t, p)
	if q.Get("state") != "st" || q.Get("code") == "" {
		t.Fatalf("redirect to the printer: %v", q)
	}
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption("v"+strings.Repeat("x", 50)))
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := provider.Verifier(&oidc.Config{ClientID: printerID}).Verify(ctx, raw)
	if err != nil {
		t.Fatalf("verify b's ID token: %v", err)
	}
	var c struct {
		Name  string   `json:"name"`
		Email string   `json:"email"`
		AMR   []string `json:"amr"`
	}
	_ = idt.Claims(&c)
	if idt.Subject != upstreamID+":alice" || c.Name != "Alice Liddell" || c.Email != "alice@example.com" || !slices.Equal(c.AMR, []string{"fed"}) {
		t.Errorf("ID token sub %q name %q email %q amr %v, want company-a:alice with a's profile and amr [fed]", idt.Subject, c.Name, c.Email, c.AMR)
	}
	info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil || info.Subject != upstreamID+":alice" || info.Email != "alice@example.com" {
		t.Errorf("userinfo = %+v, %v; want company-a:alice", info, err)
	}
	// The gateway verifies b's tokens with b's local keys; this user's
	// token is like any other.
	v, err := token.NewVerifier(token.Config{Issuers: []token.Issuer{{URL: f.b.ts.URL, Audience: f.b.ts.URL, Keys: f.b.srv.KeySet()}}})
	if err != nil {
		t.Fatal(err)
	}
	if claims, err := v.Verify(ctx, tok.AccessToken); err != nil || claims.Subject != upstreamID+":alice" {
		t.Errorf("gateway verifier: %+v, %v; want sub company-a:alice", claims, err)
	}
	// Never merged with b's local alice, whose e-mail is the same.
	if u, err := f.b.store.FederatedUser(ctx, "alice"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("local subject alice got a federated profile: %+v %v", u, err)
	}
	if acct := b.get("/oauth2/account"); !strings.Contains(acct.body, "Alice Liddell") || !strings.Contains(acct.body, "PrintMyPhotos") {
		t.Errorf("account page of the federated user lacks name or grant:\n%s", acct.body)
	}
	local := newBrowser(t, f.b)
	q = redirectParams(t, local.authorize(conf.AuthCodeURL("st2"), "alice", alicePassword))
	tok2, err := conf.Exchange(ctx, q.Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	raw2, _ := tok2.Extra("id_token").(string)
	if idt2, err := provider.Verifier(&oidc.Config{ClientID: printerID}).Verify(ctx, raw2); err != nil || idt2.Subject != "alice" {
		t.Errorf("local alice: %v, %v; want sub alice", idt2, err)
	}

	// Nothing a handed to b, and no secret, is in b's logs.
	secrets := append([]string{upstreamSecret, q.Get("code")}, f.seen...)
	for _, field := range fieldValues(f.b.logs.All()) {
		for _, s := range secrets {
			if strings.Contains(field, s) {
				t.Errorf("b's log field %q contains a token or secret", field)
			}
		}
	}
}

// TestUpstreamRefusals: a callback that is not this browser's, is
// replayed, carries an error, or whose ID token is not for b, not for this
// sign-in, expired or forged ends on a clear page, never in a session.
func TestUpstreamRefusals(t *testing.T) {
	f := newFederation(t, nil)
	withQuery := func(u *url.URL, kv ...string) string {
		q := u.Query()
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				q.Del(kv[i])
			} else {
				q.Set(kv[i], kv[i+1])
			}
		}
		c := *u
		c.RawQuery = q.Encode()
		return c.String()
	}
	tests := []struct {
		name   string
		status int
		title  string
		reason string // logged by b
		// prepare may tamper with a's answer; it returns the URL to get
		// and the browser to get it with.
		prepare func(t *testing.T, b *browser, cb, auth *url.URL) (string, *browser)
	}{
		{"error from the provider", http.StatusBadGateway, "Company A did not sign you in", "provider returned an error",
			func(t *testing.T, b *browser, cb, _ *url.URL) (string, *browser) {
				return withQuery(cb, "code", "", "error", "access_denied"), b
			}},
		{"another state", http.StatusBadRequest, "expired or was already used", "state mismatch",
			func(t *testing.T, b *browser, cb, _ *url.URL) (string, *browser) {
				return withQuery(cb, "state", "forged"), b
			}},
		{"another browser", http.StatusBadRequest, "expired or was already used", "state mismatch",
			func(t *testing.T, b *browser, cb, _ *url.URL) (string, *browser) {
				return cb.String(), newBrowser(t, f.b) // login CSRF: the victim never started this sign-in
			}},
		{"wrong aud", http.StatusBadGateway, "could not confirm", "expected audience",
			func(t *testing.T, b *browser, cb, auth *url.URL) (string, *browser) {
				f.substitute(f.upstreamTokens(t, otherAppID, otherAppSecret, auth.Query().Get("nonce")))
				return cb.String(), b
			}},
		{"wrong nonce", http.StatusBadGateway, "could not confirm", "nonce mismatch",
			func(t *testing.T, b *browser, cb, _ *url.URL) (string, *browser) {
				f.substitute(f.upstreamTokens(t, upstreamClientID, upstreamSecret, "not-this-sign-in"))
				return cb.String(), b
			}},
		{"expired ID token", http.StatusBadGateway, "could not confirm", "token is expired",
			func(t *testing.T, b *browser, cb, _ *url.URL) (string, *browser) {
				f.clock.Add(int64((DefaultAccessTokenTTL + time.Minute) / time.Second))
				return cb.String(), b
			}},
		{"forged signature", http.StatusBadGateway, "could not confirm", "failed to verify signature",
			func(t *testing.T, b *browser, cb, _ *url.URL) (string, *browser) {
				f.setTamper(func(m map[string]any) {
					parts := strings.Split(m["id_token"].(string), ".")
					claims := `{"iss":"` + f.a.ts.URL + `","sub":"admin","aud":"` + upstreamClientID + `","exp":9999999999,"iat":1}`
					parts[1] = b64(claims)
					m["id_token"] = strings.Join(parts, ".")
				})
				return cb.String(), b
			}},
		{"another audience too", http.StatusBadGateway, "could not confirm", "other audiences",
			func(t *testing.T, b *browser, cb, _ *url.URL) (string, *browser) {
				f.resign(t, func(c map[string]any) { c["aud"] = []string{upstreamClientID, otherAppID} })
				return cb.String(), b
			}},
		{"azp of another client", http.StatusBadGateway, "could not confirm", "azp names another client",
			func(t *testing.T, b *browser, cb, _ *url.URL) (string, *browser) {
				f.resign(t, func(c map[string]any) { c["azp"] = otherAppID })
				return cb.String(), b
			}},
		{"no ID token", http.StatusBadGateway, "could not confirm", "no ID token",
			func(t *testing.T, b *browser, cb, _ *url.URL) (string, *browser) {
				f.setTamper(func(m map[string]any) { delete(m, "id_token") })
				return cb.String(), b
			}},
		{"replayed callback", http.StatusBadRequest, "expired or was already used", "state replayed",
			func(t *testing.T, b *browser, cb, _ *url.URL) (string, *browser) {
				// The first use succeeds; the attacker replays the same
				// URL with a copy of the cookie.
				u, _ := url.Parse(f.b.ts.URL)
				cookies := b.c.Jar.Cookies(u)
				if p := b.get(cb.String()); p.status != http.StatusSeeOther {
					t.Fatalf("first use: status %d\n%s", p.status, p.body)
				}
				attacker := newBrowser(t, f.b)
				attacker.c.Jar.SetCookies(u, cookies)
				return cb.String(), attacker
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer f.setTamper(nil)
			defer f.clock.Store(time.Now().Unix())
			b := newBrowser(t, f.b)
			cb, auth := f.toCallback(t, b)
			target, who := tc.prepare(t, b, cb, auth)
			p := who.get(target)
			if p.status != tc.status || p.header.Get("Location") != "" || !strings.Contains(unescapeApos(p.body), tc.title) {
				t.Errorf("status %d Location %q, want %d and a page saying %q:\n%s", p.status, p.header.Get("Location"), tc.status, tc.title, p.body)
			}
			for _, sc := range p.header.Values("Set-Cookie") {
				if strings.HasPrefix(sc, f.b.srv.sessionCookieName()+"=") && !strings.Contains(sc, "Max-Age=0") {
					t.Errorf("a refused callback set a session cookie")
				}
			}
			var reasons []string
			for _, e := range f.b.logs.FilterMessage("sign-in through identity provider failed").All() {
				reasons = append(reasons, e.ContextMap()["reason"].(string))
			}
			if len(reasons) == 0 || !strings.Contains(reasons[len(reasons)-1], tc.reason) {
				t.Errorf("logged reasons %q, want the last to say %q", reasons, tc.reason)
			}
			if tc.name != "replayed callback" && f.signedInAtB(who) {
				t.Error("signed in after a refused callback")
			}
			if tc.name == "replayed callback" && f.signedInAtB(who) {
				t.Error("the replay signed the attacker in")
			}
		})
	}
}

// unescapeApos undoes the escaping of apostrophes that html/template applies.
func unescapeApos(s string) string { return strings.ReplaceAll(s, "&#39;", "'") }

// TestUpstreamKeyRotation: after a rotates its signing key, b verifies ID
// tokens signed with the new key without a restart.
func TestUpstreamKeyRotation(t *testing.T) {
	f := newFederation(t, nil)
	signIn := func() string {
		b := newBrowser(t, f.b)
		var kid string
		f.setTamper(func(m map[string]any) {
			h := strings.SplitN(m["id_token"].(string), ".", 2)[0]
			var hdr struct{ Kid string }
			_ = json.Unmarshal(unb64(h), &hdr)
			kid = hdr.Kid
		})
		defer f.setTamper(nil)
		cb, _ := f.toCallback(t, b)
		if p := b.get(cb.String()); p.status != http.StatusSeeOther || !f.signedInAtB(b) {
			t.Fatalf("sign-in: status %d\n%s", p.status, p.body)
		}
		return kid
	}
	before := signIn()
	if err := f.a.srv.keys.rotate(context.Background(), jose.RS256); err != nil {
		t.Fatal(err)
	}
	if after := signIn(); after == before || after == "" {
		t.Errorf("a signed with kid %q before and %q after the rotation; want a new key", before, after)
	}
}

// TestUpstreamDown: b starts while a is down, shows a clear page instead
// of the provider, retries discovery later, and signs in once a is back.
// A provider that fails at the code exchange gives a page too.
func TestUpstreamDown(t *testing.T) {
	f := newFederation(t, nil)
	f.down.Store(true)
	b := newBrowser(t, f.b)
	login := b.get("/oauth2/login")
	p := b.submit(login, "/oauth2/idp/"+upstreamID+"/start", nil)
	if p.status != http.StatusServiceUnavailable || !strings.Contains(p.body, "Company A is not available right now") || p.header.Get("Retry-After") == "" {
		t.Fatalf("provider down: status %d, want 503 with a clear page:\n%s", p.status, p.body)
	}
	f.down.Store(false)
	f.clock.Add(int64(upstreamRetryAfter / time.Second))
	p = b.submit(login, "/oauth2/idp/"+upstreamID+"/start", nil)
	if loc := p.header.Get("Location"); p.status != http.StatusSeeOther || !strings.HasPrefix(loc, f.a.ts.URL+"/oauth2/authorize?") {
		t.Fatalf("provider back: status %d Location %q, want 303 to a", p.status, loc)
	}
	cb, _ := f.toCallback(t, b)
	f.down.Store(true)
	p = b.get(cb.String())
	if p.status != http.StatusBadGateway || f.signedInAtB(b) || !strings.Contains(p.body, "Company A could not be reached") {
		t.Errorf("provider down at the code exchange: status %d, want a 502 page saying Company A could not be reached, and no session:\n%s", p.status, p.body)
	}
}

// TestUpstreamOnlyLoginPage: with no local users, the login page offers
// the provider alone.
func TestUpstreamOnlyLoginPage(t *testing.T) {
	f := newFederation(t, func(c *Config) { c.Users = nil })
	p := newBrowser(t, f.b).get("/oauth2/login")
	if !strings.Contains(p.body, "Continue with Company A") || strings.Contains(p.body, `name="password"`) {
		t.Errorf("login page without local users:\n%s", p.body)
	}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func unb64(s string) []byte {
	b, _ := base64.RawURLEncoding.DecodeString(s)
	return b
}

// TestUpstreamFreshSignIn: when a client asks b for a fresh sign-in
// (prompt=login, max_age), b asks Company A for one too, instead of letting
// A's session answer for the user.
func TestUpstreamFreshSignIn(t *testing.T) {
	f := newFederation(t, nil)
	b := newBrowser(t, f.b)
	q := url.Values{"client_id": {printerID}, "response_type": {"code"}, "scope": {"openid"},
		"prompt": {"login"}, "max_age": {"0"}}
	login := b.follow(b.get(f.b.authURL(q)))
	p := b.submit(login, "/oauth2/idp/"+upstreamID+"/start", nil)
	loc, err := url.Parse(p.header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), f.a.ts.URL+"/oauth2/authorize?") {
		t.Fatalf("start: status %d Location %q", p.status, p.header.Get("Location"))
	}
	if loc.Query().Get("prompt") != "login" || loc.Query().Get("max_age") != "0" {
		t.Errorf("request to Company A %v, want prompt=login and max_age=0", loc.Query())
	}
	// Without them, none is sent.
	p = b.submit(b.get("/oauth2/login"), "/oauth2/idp/"+upstreamID+"/start", nil)
	loc, _ = url.Parse(p.header.Get("Location"))
	if loc.Query().Has("prompt") || loc.Query().Has("max_age") {
		t.Errorf("plain sign-in sent %v to Company A", loc.Query())
	}
}

// TestUpstreamAuthTime: the ID token b issues for a user of Company A
// says when Company A authenticated the user (its auth_time), not when
// the user came back to b, so that a relying party judging max_age sees
// the real age of the sign-in.
func TestUpstreamAuthTime(t *testing.T) {
	f := newFederation(t, nil)
	upstreamAuth := time.Unix(f.clock.Load(), 0).Add(-time.Hour)
	f.resign(t, func(c map[string]any) { c["auth_time"] = upstreamAuth.Unix() })
	b := newBrowser(t, f.b)
	q := url.Values{"client_id": {printerID}, "response_type": {"code"}, "scope": {"openid"}, "nonce": {"n"}}
	login := b.follow(b.get(f.b.authURL(q)))
	res := f.b.redeem(t, redirectParams(t, f.drive(t, b, login, atPrinter)).Get("code"))
	raw := str(res.json, "id_token")
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("code exchange: %d %v; want an ID token", res.status, res.json)
	}
	var c struct {
		Sub      string `json:"sub"`
		AuthTime int64  `json:"auth_time"`
	}
	if err := json.Unmarshal(unb64(parts[1]), &c); err != nil {
		t.Fatal(err)
	}
	if c.Sub != upstreamID+":alice" || c.AuthTime != upstreamAuth.Unix() {
		t.Errorf("b's ID token: sub %q auth_time %d; want %s:alice and Company A's %d", c.Sub, c.AuthTime, upstreamID, upstreamAuth.Unix())
	}
}

// TestPlainText: what an upstream subject or name must be before it is
// stored (PostgreSQL text cannot hold NUL) or shown.
func TestPlainText(t *testing.T) {
	for s, want := range map[string]bool{
		"alice": true, "Ålice Liddell ✓": true, "248289761001": true, "": true,
		"a\x00b": false, "a\nb": false, "a\x7fb": false, "\xff": false, "a\u0085b": false,
	} {
		if got := plainText(s); got != want {
			t.Errorf("plainText(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestUpstreamCallbackAcrossInstances: behind a load balancer the callback
// may reach another instance on the same store. It completes the sign-in
// there (the cookie keys and the state record are shared), and a replay
// at the first instance is refused: state is single-use across instances.
func TestUpstreamCallbackAcrossInstances(t *testing.T) {
	f := newFederation(t, nil)
	second := restartedServer(t, f.b, func(c *Config) { c.Logger = nil })
	mux := http.NewServeMux()
	second.Mount(mux)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)

	b := newBrowser(t, f.b)
	cb, _ := f.toCallback(t, b)
	bURL, _ := url.Parse(f.b.ts.URL)
	cookies := b.c.Jar.Cookies(bURL)
	send := func(base string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, base+cb.RequestURI(), nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := send(ts.URL); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/oauth2/account" {
		t.Fatalf("callback at the second instance: status %d Location %q, want 303 to the account page", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp := send(f.b.ts.URL); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("replay at the first instance: status %d, want 400", resp.StatusCode)
	}
}

// TestUpstreamStateIsNoCode: the state b sends to Company A is visible in
// the browser; presented as a code at b's token endpoint, in any form, it
// neither gets a token nor spends the pending sign-in.
func TestUpstreamStateIsNoCode(t *testing.T) {
	f := newFederation(t, nil)
	b := newBrowser(t, f.b)
	cb, auth := f.toCallback(t, b)
	state := auth.Query().Get("state")
	for _, code := range []string{state, "scopegate upstream state\x00" + state} {
		res := f.b.callToken(t, tokenCall{form: url.Values{"grant_type": {"authorization_code"}, "code": {code}},
			basic: []string{printerID, printerSecret}})
		if res.status != http.StatusBadRequest || res.json["error"] != "invalid_grant" {
			t.Errorf("state as a code: status %d %v, want invalid_grant", res.status, res.json)
		}
	}
	if p := b.get(cb.String()); p.status != http.StatusSeeOther || !f.signedInAtB(b) {
		t.Errorf("the sign-in no longer completes: status %d\n%s", p.status, p.body)
	}
}
