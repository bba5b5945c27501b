package proxy_test

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scopegate/scopegate/policy"
	"github.com/scopegate/scopegate/proxy"
	"github.com/scopegate/scopegate/token"
	"github.com/scopegate/scopegate/token/tokentest"
)

const gatewayClient = "scopegate-gateway"

// browserEnv is a gateway with browser login in front of a recording
// backend. Its issuer is the front server itself: /oauth2/authorize is a
// stand-in authorization server that signs "user" in at once and
// redirects to the gateway's callback with a one-time code, which
// Exchange redeems only with the right PKCE verifier.
type browserEnv struct {
	t       testing.TB
	back    *backend
	gw      *proxy.Gateway
	front   *httptest.Server
	issuer  string
	key     *tokentest.Key
	revoked *token.RevocationList
	now     atomic.Pointer[time.Time]
	user    atomic.Value // string: who signs in next
	scopes  atomic.Value // []string: what the next token carries; nil means what was asked
	ttl     time.Duration
	start   time.Time
	lastJTI atomic.Value // string: the jti of the last token issued
	grant   atomic.Value // string: the gid of the tokens issued

	mu         sync.Mutex
	codes      map[string]pendingCode
	authorized []url.Values // every authorization request
}

type pendingCode struct {
	challenge, redirect string
	scopes              []string
}

var browserRoutes = []policy.Route{
	{Pattern: "GET /gallery/", Upstream: "photos", Login: policy.LoginBrowser},
	{Pattern: "GET /admin/", Upstream: "photos", Scopes: []string{"admin"}, Login: policy.LoginBrowser},
	{Pattern: "POST /gallery/upload", Upstream: "photos", Scopes: []string{"photos.write"}, Login: policy.LoginBrowser, CSRF: policy.CSRFOrigin},
	{Pattern: "POST /gallery/note", Upstream: "photos", Login: policy.LoginBrowser},
	{Pattern: "GET /api/", Upstream: "photos", Scopes: []string{"photos.read"}},
}

func newBrowserEnv(t testing.TB, tls bool) *browserEnv {
	t.Helper()
	e := &browserEnv{t: t, back: newBackend(t), key: tokentest.NewKey(t), revoked: new(token.RevocationList),
		codes: map[string]pendingCode{}, ttl: 10 * time.Minute}
	e.user.Store("alice")
	e.grant.Store("grant-1")
	e.scopes.Store([]string(nil))
	e.start = time.Now()
	e.now.Store(&e.start)
	mux := http.NewServeMux()
	e.front = httptest.NewUnstartedServer(mux)
	if tls {
		e.front.StartTLS()
	} else {
		e.front.Start()
	}
	t.Cleanup(e.front.Close)
	e.issuer = e.front.URL
	v, err := token.NewVerifier(token.Config{Issuers: []token.Issuer{{URL: e.issuer, Audience: testAudience,
		Keys: e.key.KeySet(), Revoked: e.revoked}}, Now: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	set, diags := policy.Compile(browserRoutes, policy.Env{Upstreams: []string{"photos"}})
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	e.gw, err = proxy.New(proxy.Config{
		Policy:    set,
		Upstreams: map[string]proxy.Upstream{"photos": {URL: mustURL(t, e.back.URL)}},
		Verifier:  v,
		Now:       e.clock,
		Browser: &proxy.BrowserLogin{
			Issuer: e.issuer, ClientID: gatewayClient, Exchange: e.exchange,
			HashKey: []byte(strings.Repeat("h", 64)), BlockKey: []byte(strings.Repeat("b", 32)),
			Revoked: e.revoked, SessionLifetime: 8 * time.Hour, IdleTimeout: 30 * time.Minute,
		},
		StripCookies: []string{"scopegate_session"},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle(proxy.CallbackPath, e.gw.SignInCallback())
	mux.HandleFunc("/oauth2/authorize", e.authorize)
	mux.Handle("/", e.gw)
	return e
}

func (e *browserEnv) clock() time.Time { return *e.now.Load() }

func (e *browserEnv) advance(d time.Duration) {
	t := e.clock().Add(d)
	e.now.Store(&t)
}

// authorize signs the user in at once and sends the browser back.
func (e *browserEnv) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	e.mu.Lock()
	e.authorized = append(e.authorized, q)
	code := base64.RawURLEncoding.EncodeToString([]byte(time.Now().String() + q.Get("state")))
	e.codes[code] = pendingCode{challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri"), scopes: strings.Fields(q.Get("scope"))}
	e.mu.Unlock()
	if q.Get("client_id") != gatewayClient || q.Get("code_challenge_method") != "S256" || q.Get("response_type") != "code" {
		http.Error(w, "bad authorization request", 400)
		return
	}
	http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {code}, "state": {q.Get("state")}, "iss": {e.issuer}}.Encode(), http.StatusFound)
}

func (e *browserEnv) exchange(_ *http.Request, code, redirect, verifier string) (string, error) {
	e.mu.Lock()
	p, ok := e.codes[code]
	delete(e.codes, code)
	e.mu.Unlock()
	sum := sha256.Sum256([]byte(verifier))
	switch {
	case !ok:
		return "", errors.New("unknown code")
	case base64.RawURLEncoding.EncodeToString(sum[:]) != p.challenge:
		return "", errors.New("PKCE verifier does not match")
	case redirect != p.redirect:
		return "", errors.New("redirect_uri differs")
	}
	scopes := p.scopes
	if s := e.scopes.Load().([]string); s != nil {
		scopes = s
	}
	c := tokentest.ClaimsAt(e.clock(), e.issuer, testAudience, e.user.Load().(string), scopes...)
	c.ClientID = gatewayClient
	c.Expiry = e.clock().Add(e.ttl)
	c.GrantID = e.grant.Load().(string)
	e.lastJTI.Store(c.ID)
	return e.key.Sign(e.t, c), nil
}

// browser is a client with a cookie jar that follows redirects, as a
// person's browser would, and asks for HTML.
func (e *browserEnv) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	c := e.front.Client()
	return &http.Client{Transport: c.Transport, Jar: jar}
}

func (e *browserEnv) get(c *http.Client, path string, hdr map[string]string) *http.Response {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.front.URL+path, nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatalf("GET %s: %v", path, err)
	}
	e.t.Cleanup(func() { res.Body.Close() })
	return res
}

func (e *browserEnv) lastSeen() seen {
	e.t.Helper()
	got := e.back.requests()
	if len(got) == 0 {
		e.t.Fatal("the backend received nothing")
	}
	return got[len(got)-1]
}

func (e *browserEnv) lastAuthorize() url.Values {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.authorized) == 0 {
		return nil
	}
	return e.authorized[len(e.authorized)-1]
}

func noRedirect(c *http.Client) *http.Client {
	cc := *c
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cc
}

func TestBrowserSignInComesBackToTheExactURL(t *testing.T) {
	e := newBrowserEnv(t, false)
	c := e.browser()
	u, _ := url.Parse(e.front.URL)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: "theme", Value: "dark"}})
	const want = "/gallery/2024/?sort=date&q=a%2Fb&x=%E2%9C%93"
	res := e.get(c, want, nil)
	if res.StatusCode != 200 {
		t.Fatalf("status %d after sign-in, want 200", res.StatusCode)
	}
	if got := res.Request.URL.RequestURI(); got != want {
		t.Errorf("came back to %q, want %q", got, want)
	}
	s := e.lastSeen()
	if s.RequestURI != want {
		t.Errorf("backend got %q, want %q", s.RequestURI, want)
	}
	if got := s.Header.Get("X-Auth-Subject"); got != "alice" {
		t.Errorf("X-Auth-Subject = %q, want alice", got)
	}
	if got := s.Header.Get("X-Auth-Client-Id"); got != gatewayClient {
		t.Errorf("X-Auth-Client-Id = %q", got)
	}
	if got := s.Header.Get("X-Auth-Scope"); got != "openid" {
		t.Errorf("X-Auth-Scope = %q, want openid (the route needs no scope)", got)
	}
	if got := s.Header.Values("Cookie"); len(got) != 1 || got[0] != "theme=dark" {
		t.Errorf("backend saw cookies %q, want only theme=dark", got)
	}
	a := e.lastAuthorize()
	if a.Get("scope") != "openid" || a.Get("max_age") != "28800" || a.Get("prompt") != "" {
		t.Errorf("authorization request %v", a)
	}
	// Signed in: the next page needs no trip to the authorization server.
	n := len(e.back.requests())
	e.mu.Lock()
	before := len(e.authorized)
	e.mu.Unlock()
	if res := e.get(c, "/gallery/other", nil); res.StatusCode != 200 || len(e.back.requests()) != n+1 {
		t.Fatalf("second page: status %d", res.StatusCode)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.authorized) != before {
		t.Error("a signed-in browser was sent to sign in again")
	}
}

func TestBrowserCookieAttributes(t *testing.T) {
	for _, tc := range []struct {
		name        string
		tls         bool
		cookie      string
		wantSecure  bool
		wantPrefix  string
		wantMissing string
	}{
		{name: "http", tls: false, cookie: "scopegate_gateway"},
		{name: "https", tls: true, cookie: "__Host-scopegate_gateway", wantSecure: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newBrowserEnv(t, tc.tls)
			c := noRedirect(e.browser())
			res := e.get(c, "/gallery/", nil)
			if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), e.issuer+"/oauth2/authorize?") {
				t.Fatalf("got %d to %q, want 303 to the authorization endpoint", res.StatusCode, res.Header.Get("Location"))
			}
			checkCookie(t, res, strings.Replace(tc.cookie, "gateway", "gateway_signin", 1), tc.wantSecure)
			loc, _ := url.Parse(res.Header.Get("Location"))
			res = e.get(c, loc.RequestURI(), nil) // the stand-in server
			loc, _ = url.Parse(res.Header.Get("Location"))
			res = e.get(c, loc.RequestURI(), nil) // the callback
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/gallery/" {
				t.Fatalf("callback: %d to %q", res.StatusCode, res.Header.Get("Location"))
			}
			checkCookie(t, res, tc.cookie, tc.wantSecure)
		})
	}
}

func checkCookie(t *testing.T, res *http.Response, name string, secure bool) {
	t.Helper()
	for _, c := range res.Cookies() {
		if c.Name != name || c.MaxAge < 0 {
			continue
		}
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" || c.Secure != secure || c.MaxAge <= 0 {
			t.Errorf("cookie %s: HttpOnly=%v SameSite=%v Path=%q Domain=%q Secure=%v MaxAge=%d", name, c.HttpOnly, c.SameSite, c.Path, c.Domain, c.Secure, c.MaxAge)
		}
		return
	}
	t.Errorf("no cookie %s set; got %q", name, res.Header.Values("Set-Cookie"))
}

func TestBrowserRouteAnswersByKindOfCaller(t *testing.T) {
	e := newBrowserEnv(t, false)
	c := noRedirect(e.browser())
	for _, tc := range []struct {
		name string
		hdr  map[string]string
		want int
	}{
		{"page navigation", map[string]string{"Accept": "text/html", "Sec-Fetch-Mode": "navigate"}, 303},
		{"html without fetch metadata", map[string]string{"Accept": "text/html"}, 303},
		{"json", map[string]string{"Accept": "application/json"}, 401},
		{"any", map[string]string{"Accept": "*/*"}, 401},
		{"xhr asking for html", map[string]string{"Accept": "text/html", "X-Requested-With": "XMLHttpRequest"}, 401},
		{"fetch asking for html", map[string]string{"Accept": "text/html", "Sec-Fetch-Mode": "cors"}, 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", e.front.URL+"/gallery/", nil)
			req.Header.Del("Accept")
			for k, v := range tc.hdr {
				req.Header.Set(k, v)
			}
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			if res.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.want)
			}
			if tc.want == 401 {
				if got := res.Header.Get("WWW-Authenticate"); got != `Bearer realm="scopegate"` {
					t.Errorf("WWW-Authenticate = %q", got)
				}
				if res.Header.Get("Location") != "" || len(res.Cookies()) > 0 {
					t.Error("an API caller got a redirect or a cookie")
				}
			}
		})
	}
	if n := len(e.back.requests()); n != 0 {
		t.Errorf("backend received %d requests", n)
	}
}

func TestBrowserRouteAcceptsBearerTokens(t *testing.T) {
	e := newBrowserEnv(t, false)
	tok := e.key.Sign(t, e.key.Claims(e.issuer, testAudience, "bob", "admin"))
	req, _ := http.NewRequest("GET", e.front.URL+"/admin/users", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "text/html")
	res, err := noRedirect(e.front.Client()).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || e.lastSeen().Header.Get("X-Auth-Subject") != "bob" {
		t.Fatalf("status %d, subject %q", res.StatusCode, e.lastSeen().Header.Get("X-Auth-Subject"))
	}
	// A bad token on a browser route is a 401, never a sign-in redirect.
	req.Header.Set("Authorization", "Bearer not.a.token")
	res, err = noRedirect(e.front.Client()).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Fatalf("bad token: status %d, want 401", res.StatusCode)
	}
}

func TestBrowserForgedSessionIsNoSession(t *testing.T) {
	e := newBrowserEnv(t, false)
	c := noRedirect(e.browser())
	u, _ := url.Parse(e.front.URL)
	// A real session of another key, a truncated one and garbage: all
	// answered exactly as no cookie at all.
	c.Jar.SetCookies(u, []*http.Cookie{{Name: "scopegate_gateway", Value: "MTcwMDAwMDAwMHxhYmN8ZGVm"}})
	res := e.get(c, "/gallery/", nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("forged cookie: status %d, want a sign-in redirect", res.StatusCode)
	}
	req, _ := http.NewRequest("GET", e.front.URL+"/api/x", nil)
	req.Header.Set("Cookie", "scopegate_gateway=forged; scopegate_session=theirs; a=1")
	req.Header.Set("Authorization", "Bearer "+e.key.Sign(t, e.key.Claims(e.issuer, testAudience, "alice", "photos.read")))
	res, err := e.front.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := e.lastSeen().Header.Values("Cookie"); len(got) != 1 || got[0] != "a=1" {
		t.Errorf("backend saw cookies %q, want a=1 only", got)
	}
}

// signIn runs a whole sign-in for c at path and returns the response.
func (e *browserEnv) signIn(c *http.Client, path string) *http.Response {
	e.t.Helper()
	res := e.get(c, path, nil)
	if res.StatusCode != 200 {
		e.t.Fatalf("sign-in at %s: status %d", path, res.StatusCode)
	}
	return res
}

func TestBrowserSessionLackingScopesGets403Page(t *testing.T) {
	e := newBrowserEnv(t, false)
	e.scopes.Store([]string{"openid"}) // the server grants less than asked
	c := e.browser()
	n := len(e.back.requests())
	res := e.get(c, "/admin/", nil)
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 403 || !strings.Contains(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "No access") {
		t.Fatalf("status %d, %q: %s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	if len(e.back.requests()) != n {
		t.Error("the backend saw a request the session lacked scopes for")
	}
	e.mu.Lock()
	asked := len(e.authorized)
	e.mu.Unlock()
	if asked != 1 {
		t.Errorf("%d sign-ins, want 1 (no redirect loop)", asked)
	}
	// A script gets JSON.
	req, _ := http.NewRequest("GET", e.front.URL+"/admin/", nil)
	req.Header.Set("Accept", "application/json")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 403 || !strings.Contains(res.Header.Get("WWW-Authenticate"), `error="insufficient_scope"`) {
		t.Errorf("script: %d %q", res.StatusCode, res.Header.Get("WWW-Authenticate"))
	}
}

func TestBrowserSessionEnds(t *testing.T) {
	for _, tc := range []struct {
		name       string
		ttl        time.Duration
		end        func(e *browserEnv, c *http.Client)
		wantPrompt string // "" for a silent renewal
	}{
		{"token expired: silent renewal", 10 * time.Minute, func(e *browserEnv, _ *http.Client) { e.advance(11 * time.Minute) }, ""},
		{"idle timeout", 24 * time.Hour, func(e *browserEnv, _ *http.Client) { e.advance(31 * time.Minute) }, "login"},
		{"lifetime", 24 * time.Hour, func(e *browserEnv, c *http.Client) {
			for range 16 { // used every half hour, until the 8h are nearly up
				e.advance(29 * time.Minute)
				if res := e.get(c, "/gallery/", map[string]string{"Accept": "application/json"}); res.StatusCode != 200 {
					e.t.Fatalf("in use after %v: status %d", e.clock().Sub(e.start), res.StatusCode)
				}
			}
			e.advance(29 * time.Minute)
		}, "login"},
		{"token revoked", 10 * time.Minute, func(e *browserEnv, _ *http.Client) {
			e.revoked.Add(e.lastJTI.Load().(string), time.Now().Add(time.Hour))
		}, "login"},
		{"grant revoked", 10 * time.Minute, func(e *browserEnv, _ *http.Client) {
			e.revoked.RevokeGrant("grant-1", time.Now().Add(time.Hour))
			e.grant.Store("grant-2") // signing in again makes a new grant
		}, "login"},
		{"logout", 10 * time.Minute, func(e *browserEnv, c *http.Client) {
			req := httptest.NewRequest("POST", "/oauth2/logout", nil)
			u, _ := url.Parse(e.front.URL)
			for _, ck := range c.Jar.Cookies(u) {
				req.AddCookie(ck)
			}
			rec := httptest.NewRecorder()
			jti, until, ok := e.gw.EndSession(rec, req)
			if !ok || jti != e.lastJTI.Load().(string) || !until.After(e.clock()) {
				e.t.Fatalf("EndSession = %q, %v, %v", jti, until, ok)
			}
			if !strings.Contains(rec.Header().Get("Set-Cookie"), "Max-Age=0") {
				e.t.Errorf("EndSession did not clear the cookie: %q", rec.Header().Get("Set-Cookie"))
			}
		}, "login"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newBrowserEnv(t, false)
			e.ttl = tc.ttl
			e.t = t
			c := e.browser()
			e.signIn(c, "/gallery/")
			tc.end(e, c)
			nc := noRedirect(c)
			res := e.get(nc, "/gallery/again?x=1", nil)
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("status %d, want a sign-in redirect", res.StatusCode)
			}
			loc, _ := url.Parse(res.Header.Get("Location"))
			if got := loc.Query().Get("prompt"); got != tc.wantPrompt {
				t.Errorf("prompt=%q, want %q", got, tc.wantPrompt)
			}
			// A script is told 401, never redirected.
			res = e.get(nc, "/gallery/again", map[string]string{"Accept": "application/json"})
			if res.StatusCode != 401 {
				t.Errorf("script: status %d, want 401", res.StatusCode)
			}
			// Signing in again brings the browser back.
			if res := e.get(c, "/gallery/again?x=1", nil); res.StatusCode != 200 || res.Request.URL.RequestURI() != "/gallery/again?x=1" {
				t.Errorf("after signing in again: %d at %s", res.StatusCode, res.Request.URL)
			}
		})
	}
}

func TestBrowserStateChangingRequests(t *testing.T) {
	e := newBrowserEnv(t, false)
	e.scopes.Store([]string{"openid", "photos.write"})
	c := e.browser()
	e.signIn(c, "/gallery/")
	nc := noRedirect(c)
	post := func(path string, hdr map[string]string) *http.Response {
		req, _ := http.NewRequest("POST", e.front.URL+path, strings.NewReader("title=x"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "text/html")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		res, err := nc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	for _, tc := range []struct {
		name string
		path string
		hdr  map[string]string
		want int
	}{
		{"same origin", "/gallery/upload", map[string]string{"Origin": e.issuer}, 200},
		{"same origin by referer", "/gallery/upload", map[string]string{"Referer": e.issuer + "/gallery/"}, 200},
		{"other origin", "/gallery/upload", map[string]string{"Origin": "https://evil.example"}, 403},
		{"null origin", "/gallery/upload", map[string]string{"Origin": "null"}, 403},
		{"lookalike referer", "/gallery/upload", map[string]string{"Referer": e.issuer + ".evil.example/"}, 403},
		{"neither header", "/gallery/upload", nil, 403},
		{"route without csrf: origin", "/gallery/note", map[string]string{"Origin": "https://evil.example"}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := len(e.back.requests())
			res := post(tc.path, tc.hdr)
			if res.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.want)
			}
			if forwarded := len(e.back.requests()) > n; forwarded != (tc.want == 200) {
				t.Errorf("forwarded = %v", forwarded)
			}
		})
	}

	// Without a session a form post is sent to sign in and comes back to
	// the page with GET; its body is not replayed.
	fresh := noRedirect(e.browser())
	req, _ := http.NewRequest("POST", e.front.URL+"/gallery/upload?album=7", strings.NewReader("title=x"))
	req.Header.Set("Accept", "text/html")
	res, err := fresh.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST without session: %d, want 303", res.StatusCode)
	}
}

func TestBrowserCallbackRefusesForgeries(t *testing.T) {
	e := newBrowserEnv(t, false)
	c := noRedirect(e.browser())
	res := e.get(c, "/gallery/secret?x=1", nil)
	loc, _ := url.Parse(res.Header.Get("Location"))
	res = e.get(c, loc.RequestURI(), nil)
	cb, _ := url.Parse(res.Header.Get("Location"))
	good := cb.Query()
	with := func(k, v string) string {
		q := url.Values{}
		for kk, vv := range good {
			q[kk] = vv
		}
		q.Set(k, v)
		return proxy.CallbackPath + "?" + q.Encode()
	}
	for _, tc := range []struct {
		name, path string
		noCookie   bool
		want       int
	}{
		{"wrong state", with("state", "attacker"), false, 400},
		{"other issuer", with("iss", "https://evil.example"), false, 400},
		{"error from the server", with("error", "access_denied"), false, 403},
		{"no sign-in cookie", cb.RequestURI(), true, 400},
		{"repeated parameter", cb.RequestURI() + "&state=x", false, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", e.front.URL+tc.path, nil)
			if !tc.noCookie {
				u, _ := url.Parse(e.front.URL)
				for _, ck := range c.Jar.Cookies(u) {
					req.AddCookie(ck)
				}
			}
			res, err := noRedirect(e.front.Client()).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tc.want || res.Header.Get("Location") != "" {
				t.Fatalf("status %d to %q, want %d and no redirect", res.StatusCode, res.Header.Get("Location"), tc.want)
			}
			for _, ck := range res.Cookies() {
				if ck.Name == "scopegate_gateway" && ck.MaxAge >= 0 {
					t.Error("a session was started")
				}
			}
		})
	}
	// The genuine response still works once, and only once.
	res = e.get(c, cb.RequestURI(), nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/gallery/secret?x=1" {
		t.Fatalf("genuine callback: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	res = e.get(c, cb.RequestURI(), nil)
	if res.StatusCode != 400 {
		t.Fatalf("replayed callback: %d, want 400", res.StatusCode)
	}
}
