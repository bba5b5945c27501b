package proxy_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scopegate/scopegate/policy"
	"github.com/scopegate/scopegate/proxy"
	"github.com/scopegate/scopegate/token"
	"github.com/scopegate/scopegate/token/tokentest"
)

const (
	testIssuer   = "https://auth.photos.example"
	testAudience = "photos-api"
)

// testRoutes is the photo drive's policy used by most tests. probe gives
// a request that each route matches, so tests can visit every route.
var testRoutes = []struct {
	route        policy.Route
	method, path string
}{
	{policy.Route{Pattern: "GET /photos/{id}", Upstream: "photos", Scopes: []string{"photos.read"}}, "GET", "/photos/1"},
	{policy.Route{Pattern: "POST /photos", Upstream: "photos", Scopes: []string{"photos.write"}}, "POST", "/photos"},
	{policy.Route{Pattern: "GET /admin/", Upstream: "photos", Scopes: []string{"admin"}}, "GET", "/admin/users"},
	{policy.Route{Pattern: "GET /public/", Upstream: "photos", Public: true}, "GET", "/public/logo.png"},
	{policy.Route{Pattern: "GET /status", Upstream: "photos", Public: true}, "GET", "/status"},
	{policy.Route{Pattern: "GET photos.example/host-only", Upstream: "photos", Public: true}, "GET", "/host-only"},
	{policy.Route{Pattern: "GET /ws", Upstream: "photos", Scopes: []string{"photos.read"}}, "GET", "/ws"},
	{policy.Route{Pattern: "POST /upload", Upstream: "photos", Scopes: []string{"photos.write"}}, "POST", "/upload"},
	{policy.Route{Pattern: "GET /download", Upstream: "photos", Scopes: []string{"photos.read"}}, "GET", "/download"},
}

func compileRoutes(t testing.TB) *policy.Set {
	t.Helper()
	var routes []policy.Route
	for _, r := range testRoutes {
		routes = append(routes, r.route)
	}
	set, diags := policy.Compile(routes, policy.Env{Upstreams: []string{"photos"}})
	if len(diags) > 0 {
		t.Fatalf("policy.Compile: %v", diags)
	}
	return set
}

// seen is what the backend received.
type seen struct {
	Method     string
	RequestURI string
	Host       string
	Header     http.Header
}

// backend is an httptest server that records every request it receives
// and answers 200 "ok", unless handler is set.
type backend struct {
	*httptest.Server
	mu      sync.Mutex
	got     []seen
	handler http.HandlerFunc
}

func newBackend(t testing.TB) *backend {
	b := &backend{}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		b.got = append(b.got, seen{r.Method, r.RequestURI, r.Host, r.Header.Clone()})
		h := b.handler
		b.mu.Unlock()
		if h != nil {
			h(w, r)
			return
		}
		io.WriteString(w, "ok")
	}))
	t.Cleanup(b.Close)
	return b
}

func (b *backend) requests() []seen {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]seen(nil), b.got...)
}

func (b *backend) setHandler(h http.HandlerFunc) {
	b.mu.Lock()
	b.handler = h
	b.mu.Unlock()
}

// env is a gateway in front of a recording backend, with a signing key
// its real token verifier trusts.
type env struct {
	t        testing.TB
	back     *backend
	gw       *proxy.Gateway
	front    *httptest.Server
	key      *tokentest.Key
	verifier *token.Verifier
}

// newEnv starts backend, verifier and gateway; mod may change the config.
func newEnv(t testing.TB, mod func(*proxy.Config)) *env {
	t.Helper()
	e := &env{t: t, back: newBackend(t), key: tokentest.NewKey(t)}
	// A revocation list, empty, as cmd/scopegate wires one.
	v, err := token.NewVerifier(token.Config{Issuers: []token.Issuer{{URL: testIssuer, Audience: testAudience,
		Keys: e.key.KeySet(), Revoked: new(token.RevocationList)}}})
	if err != nil {
		t.Fatalf("token.NewVerifier: %v", err)
	}
	e.verifier = v
	cfg := proxy.Config{
		Policy:    compileRoutes(t),
		Upstreams: map[string]proxy.Upstream{"photos": {URL: mustURL(t, e.back.URL)}},
		Verifier:  v,
	}
	if mod != nil {
		mod(&cfg)
	}
	gw, err := proxy.New(cfg)
	if err != nil {
		t.Fatalf("proxy.New: %v", err)
	}
	e.gw = gw
	e.front = httptest.NewServer(gw)
	t.Cleanup(e.front.Close)
	return e
}

// token signs a valid token for alice with scopes.
func (e *env) token(scopes ...string) string {
	return e.key.Sign(e.t, e.key.Claims(testIssuer, testAudience, "alice", scopes...))
}

// allScopes is a token that satisfies every test route.
func (e *env) allScopes() string { return e.token("photos.read", "photos.write", "admin") }

// do sends method path (path may hold a query) with extra headers, given
// as a map so tests can use raw, non-canonical names.
func (e *env) do(method, path string, hdr map[string][]string) *http.Response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.front.URL+path, nil)
	if err != nil {
		e.t.Fatalf("NewRequest: %v", err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	res, err := e.front.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	e.t.Cleanup(func() { res.Body.Close() })
	return res
}

// raw writes a hand-made HTTP/1.1 request to the gateway, for what Go's
// client refuses to send, and returns the parsed response.
func (e *env) raw(request string) *http.Response {
	e.t.Helper()
	conn, err := net.Dial("tcp", e.front.Listener.Addr().String())
	if err != nil {
		e.t.Fatalf("dial: %v", err)
	}
	e.t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, request); err != nil {
		e.t.Fatalf("write: %v", err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		e.t.Fatalf("reading response to %q: %v", request, err)
	}
	return res
}

// errBody is the gateway's JSON error body.
type errBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
	ID          string `json:"error_id"`
}

// checkErrorBody asserts a JSON error body whose error_id is the
// response's request ID, and returns it.
func checkErrorBody(t testing.TB, res *http.Response) errBody {
	t.Helper()
	var b errBody
	if err := json.NewDecoder(res.Body).Decode(&b); err != nil {
		t.Fatalf("decoding error body (status %d): %v", res.StatusCode, err)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q; want application/json", ct)
	}
	if b.Error == "" || b.ID == "" || b.ID != res.Header.Get("X-Request-Id") {
		t.Errorf("error body = %+v, X-Request-Id %q; want error set and error_id = X-Request-Id", b, res.Header.Get("X-Request-Id"))
	}
	return b
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func bearer(tok string) []string { return []string{"Bearer " + tok} }

func rawGet(path, host string, headers ...string) string {
	return fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\n%sConnection: close\r\n\r\n", path, host, strings.Join(headers, ""))
}
