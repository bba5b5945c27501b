package authserver

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/net/html"

	"github.com/scopegate/scopegate/oauthrule"
	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/store/sqlite"
	"github.com/scopegate/scopegate/token"
)

// Test fixtures. The redirect URIs point at ports nothing listens on: the
// test browser stops at the redirect and reads the code from it.
const (
	alicePassword  = "correct horse battery staple"
	printerSecret  = "printer-secret-0123456789abcdef"
	batchSecret    = "batch-secret-0123456789abcdef"
	hashedSecret   = "hashed-secret-0123456789abcdef"
	printerID      = "photo-printer"
	printerRedir   = "http://127.0.0.1:8081/callback"
	mobileID       = "mobile-app"
	mobileRedirect = "com.example.app:/callback"
)

type testEnv struct {
	srv   *Server
	ts    *httptest.Server
	mux   *atomic.Pointer[http.ServeMux] // what ts serves; see use
	cfg   Config
	logs  *observer.ObservedLogs
	store *sqlite.DB
	// dbPath is the store's file, for tests that change it behind the
	// server's back.
	dbPath string
}

// verifier checks e's access tokens as a gateway of e would: e's keys,
// e's revocation list, e's clock.
func (e *testEnv) verifier(t testing.TB) *token.Verifier {
	t.Helper()
	v, err := token.NewVerifier(token.Config{Issuers: []token.Issuer{{
		URL: e.ts.URL, Audience: e.ts.URL, Keys: e.srv.KeySet(), Revoked: e.srv.revoked}},
		Now: e.srv.now})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// newTestServer starts a server with the photo-drive fixtures on a real
// SQLite file; change adjusts the config before New.
func newTestServer(t testing.TB, change func(*Config)) *testEnv {
	t.Helper()
	return newTestServerOn(t, nil, change)
}

// newTestServerOn is newTestServer serving on ln (nil: a new loopback
// listener), for tests that must know the URL before the config.
func newTestServerOn(t testing.TB, ln net.Listener, change func(*Config)) *testEnv {
	t.Helper()
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "scopegate.db")
	db, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	seedRSAKey(t, db)
	mux := new(atomic.Pointer[http.ServeMux])
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { mux.Load().ServeHTTP(w, r) }))
	if ln != nil {
		ts.Listener.Close()
		ts.Listener = ln
	}
	ts.Start()
	t.Cleanup(ts.Close)
	core, logs := observer.New(zapcore.DebugLevel)
	hash := func(pw string) string {
		h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		return string(h)
	}
	verified := true
	cfg := Config{
		Issuer: ts.URL,
		Users: []User{
			{Username: "alice", PasswordHash: hash(alicePassword), Name: "Alice Liddell", Email: "alice@example.com", EmailVerified: &verified},
			{Username: "bob", PasswordHash: hash("bob's password"), Name: "Bob"},
		},
		Clients: []Client{
			{ID: printerID, Name: "PrintMyPhotos", Secret: printerSecret, RedirectURIs: []string{printerRedir},
				Scopes: []string{"photos.read", "profile", "email"}},
			{ID: mobileID, Name: "Photo App", RedirectURIs: []string{mobileRedirect, "http://127.0.0.1/native"},
				Scopes: []string{"photos.read", "photos.write"}},
			{ID: "batch-job", Secret: batchSecret, GrantTypes: []string{oauthrule.GrantClientCredentials},
				Scopes: []string{"photos.read", "photos.write"}},
			{ID: "hashed-job", SecretHash: hash(hashedSecret), GrantTypes: []string{oauthrule.GrantClientCredentials},
				Scopes: []string{"photos.read"}},
		},
		Scopes: []Scope{
			{Name: "photos.read", Description: "See the photos you choose"},
			{Name: "photos.write", Description: "Upload and change photos"},
			{Name: "profile", Description: "See your name"},
			{Name: "email", Description: "See your email address"},
		},
		Store:  db,
		Logger: zap.New(core),
	}
	if change != nil {
		change(&cfg)
	}
	srv, err := New(ctx, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	env := &testEnv{srv: srv, ts: ts, mux: mux, cfg: cfg, logs: logs, store: db, dbPath: dbPath}
	env.use(srv)
	return env
}

// use makes ts serve srv from the next request on, as a config reload does.
func (e *testEnv) use(srv *Server) {
	m := http.NewServeMux()
	srv.Mount(m)
	e.srv = srv
	e.mux.Store(m)
}

// browser is a cookie-keeping client that never follows redirects, so
// tests see every hop.
type browser struct {
	t   testing.TB
	env *testEnv
	c   *http.Client
}

func newBrowser(t testing.TB, env *testEnv) *browser {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Transport: env.ts.Client().Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{t: t, env: env, c: c}
}

// newBrowserFrom is a browser whose connections come from the loopback
// address ip, so that tests can play several client addresses.
func newBrowserFrom(t testing.TB, env *testEnv, ip string) *browser {
	b := newBrowser(t, env)
	tr := env.ts.Client().Transport.(*http.Transport).Clone()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	tr.DialContext = d.DialContext
	b.c.Transport = tr
	t.Cleanup(tr.CloseIdleConnections)
	return b
}

// page is a fetched response with its body read.
type page struct {
	status int
	header http.Header
	body   string
	url    *url.URL
}

func (b *browser) do(req *http.Request) *page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return &page{status: resp.StatusCode, header: resp.Header, body: string(body), url: req.URL}
}

func (b *browser) get(rawURL string) *page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.abs(rawURL), nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

func (b *browser) post(rawURL string, form url.Values) *page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.abs(rawURL), strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (b *browser) abs(u string) string {
	if strings.HasPrefix(u, "/") {
		return b.env.ts.URL + u
	}
	return u
}

// follow follows redirects while they stay on the authorization server
// and returns the first page or the first redirect leaving it.
func (b *browser) follow(p *page) *page {
	b.t.Helper()
	for i := 0; i < 10 && isRedirect(p.status); i++ {
		loc := p.header.Get("Location")
		if !strings.HasPrefix(loc, "/") && !strings.HasPrefix(loc, b.env.ts.URL+"/") {
			return p
		}
		p = b.get(loc)
	}
	return p
}

func isRedirect(status int) bool { return status >= 300 && status < 400 }

// submit fills the page's form whose action ends in path, with the given
// values added to its hidden fields, and posts it.
func (b *browser) submit(p *page, path string, values url.Values) *page {
	b.t.Helper()
	f, ok := findForm(p.body, path)
	if !ok {
		b.t.Fatalf("no form posting to %s on page (status %d):\n%s", path, p.status, p.body)
	}
	for k, v := range values {
		f.fields[k] = v
	}
	action := f.action
	if u, err := p.url.Parse(action); err == nil && p.url.IsAbs() {
		action = u.String() // relative to the page, which may be another server's
	}
	return b.post(action, f.fields)
}

// signIn runs an authorization request through login and consent (when
// asked) and returns the redirect that leaves the server.
func (b *browser) authorize(authURL, username, password string) *page {
	b.t.Helper()
	p := b.follow(b.get(authURL))
	if p.status == http.StatusOK && strings.Contains(p.body, `name="password"`) {
		p = b.follow(b.submit(p, "/oauth2/login", url.Values{"username": {username}, "password": {password}}))
	}
	if p.status == http.StatusOK && strings.Contains(p.body, `value="allow"`) {
		p = b.follow(b.submit(p, "/oauth2/consent", url.Values{"decision": {"allow"}}))
	}
	return p
}

type form struct {
	action string
	fields url.Values
}

// findForm parses the HTML and returns the form posting to a path ending
// in action, with its named input values.
func findForm(body, action string) (form, bool) {
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		return form{}, false
	}
	var found *form
	var walk func(n *html.Node, cur *form)
	walk = func(n *html.Node, cur *form) {
		if n.Type == html.ElementNode && n.Data == "form" && found == nil {
			if a := attr(n, "action"); strings.HasSuffix(strings.SplitN(a, "?", 2)[0], action) {
				cur = &form{action: a, fields: url.Values{}}
				found = cur
			}
		}
		if cur != nil && n.Type == html.ElementNode && n.Data == "input" && attr(n, "name") != "" &&
			attr(n, "type") != "submit" {
			cur.fields.Set(attr(n, "name"), attr(n, "value"))
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, cur)
		}
	}
	walk(doc, nil)
	if found == nil {
		return form{}, false
	}
	return *found, true
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// redirectParams parses the query of a redirect to a client.
func redirectParams(t testing.TB, p *page) url.Values {
	t.Helper()
	if p.status != http.StatusSeeOther {
		t.Fatalf("status = %d, want 303 redirect to the client; body:\n%s", p.status, p.body)
	}
	u, err := url.Parse(p.header.Get("Location"))
	if err != nil {
		t.Fatalf("bad Location %q: %v", p.header.Get("Location"), err)
	}
	return u.Query()
}

// authURL builds an authorization request to the test server.
func (e *testEnv) authURL(params url.Values) string {
	return e.ts.URL + "/oauth2/authorize?" + params.Encode()
}

// fieldValues renders every field of every log entry as text.
func fieldValues(entries []observer.LoggedEntry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Message)
		enc := zapcore.NewMapObjectEncoder()
		for _, f := range e.Context {
			f.AddTo(enc)
		}
		for k, v := range enc.Fields {
			out = append(out, fmt.Sprintf("%s=%v", k, v))
		}
	}
	return out
}

// sharedRSAKey is one RSA key for every test server of the process:
// generating RSA-2048 takes about 100 ms, and tests make many servers.
var sharedRSAKey = sync.OnceValues(func() ([]byte, error) {
	k, err := rsa.GenerateKey(rand.Reader, rsaKeyBits)
	if err != nil {
		return nil, err
	}
	return x509.MarshalPKCS8PrivateKey(k)
})

// seedRSAKey stores the shared RSA key under a fresh kid, so that New
// finds an RS256 key instead of generating one.
func seedRSAKey(t testing.TB, st store.Store) {
	t.Helper()
	der, err := sharedRSAKey()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if err := st.CreateSigningKey(context.Background(), store.SigningKey{ID: randomToken(16), Algorithm: string(jose.RS256),
		PrivateKey: der, CreatedAt: now, ExpiresAt: now.Add(keyLifetime)}); err != nil {
		t.Fatal(err)
	}
}
