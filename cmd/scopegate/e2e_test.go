package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/net/html"
	"golang.org/x/oauth2"
)

// recorder is the legacy photo API in these tests: it answers 200 and
// remembers the headers of every request it received.
type recorder struct {
	mu   sync.Mutex
	seen []http.Header
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	rec.mu.Lock()
	rec.seen = append(rec.seen, r.Header.Clone())
	rec.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"path":%q}`, r.URL.Path)
}

func (rec *recorder) last(t *testing.T) http.Header {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.seen) == 0 {
		t.Fatal("backend received no request")
	}
	return rec.seen[len(rec.seen)-1]
}

const (
	testPassword = "correct horse battery staple"
	testSecret   = "printer-secret-0123456789"
)

// instance is a scopegate started by serve() on loopback listeners.
type instance struct {
	issuer     string
	admin      string
	backend    *recorder
	backendURL string
	logs       *observer.ObservedLogs
	logText    *syncBuffer // the general log as JSON lines
	audit      *syncBuffer // the audit log, as log.audit: stdout writes it
	callback   string

	configPath string         // the config file serve reloads
	yaml       string         // its first content
	hup        chan os.Signal // SIGHUP, as the signal handler delivers it
}

func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startInstance writes a config like an operator would and runs serve()
// with it until the test ends. extraRoutes are appended to the routes.
func startInstance(t *testing.T, extraRoutes ...string) *instance {
	t.Helper()
	rec := &recorder{}
	backend := httptest.NewServer(rec)
	t.Cleanup(backend.Close)

	hash, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	addr := freeLoopbackAddr(t)
	inst := &instance{issuer: "http://" + addr, backend: rec, backendURL: backend.URL, callback: "http://127.0.0.1:7/callback"}
	yaml := fmt.Sprintf(`server:
  listen: %q
  admin_listen: "127.0.0.1:0"
log:
  level: debug
store:
  driver: sqlite
  dsn: %q
authserver:
  issuer: %q
  users:
    - username: alice
      password_hash: %q
      name: Alice Liddell
      email: alice@example.com
  clients:
    - id: photo-printer
      name: PrintMyPhotos
      secret: ${PRINTER_SECRET}
      redirect_uris: [%q]
      grant_types: [authorization_code]
      scopes: [openid, photos.read]
  scopes:
    photos.read: See the photos you choose
    photos.write: Upload and change photos
gateway:
  upstreams:
    photos:
      url: %q
  routes:
    - route: "GET /photos/{id}"
      upstream: photos
      scopes: [photos.read]
    - route: "POST /photos"
      upstream: photos
      scopes: [photos.write]
    - route: "GET /status"
      upstream: photos
      public: true
`, addr, t.TempDir()+"/scopegate.db", inst.issuer, hash, inst.callback, backend.URL) + strings.Join(extraRoutes, "")
	env := func(k string) (string, bool) {
		if k == "PRINTER_SECRET" {
			return testSecret, true
		}
		return "", false
	}
	inst.configPath, inst.yaml, inst.hup = filepath.Join(t.TempDir(), "e2e.yaml"), yaml, make(chan os.Signal, 1)
	if err := os.WriteFile(inst.configPath, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	f, configHash, err := loadConfigFile(inst.configPath, env)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	core, logs := observer.New(zapcore.DebugLevel)
	inst.logs, inst.logText, inst.audit = logs, &syncBuffer{}, &syncBuffer{}
	text, err := newLogger("debug", "json", inst.logText)
	if err != nil {
		t.Fatal(err)
	}
	audit, _, err := newAuditLogger("stdout", inst.audit, nil)
	if err != nil {
		t.Fatal(err)
	}
	logger := zap.New(zapcore.NewTee(core, text.Core()))

	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, f, serveOptions{logger: logger, audit: audit, started: func(_, admin net.Addr) { started <- admin },
			configHash: configHash, configPath: inst.configPath, lookupEnv: env, reload: inst.hup})
	}()
	select {
	case a := <-started:
		inst.admin = "http://" + a.String()
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve returned %v after shutdown", err)
		}
	})
	return inst
}

// browser is a cookie-keeping HTTP client that stops at the client's
// callback, like a user agent handing the redirect back to the app.
func browser(callback string) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), callback) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

// submitForm fills the first POST form of the page with the given values
// (keeping its hidden fields) and submits it.
func submitForm(t *testing.T, c *http.Client, resp *http.Response, values map[string]string) *http.Response {
	t.Helper()
	return submitFormTo(t, c, resp, "", values)
}

// submitFormTo is submitForm for the first POST form whose action ends in
// suffix.
func submitFormTo(t *testing.T, c *http.Client, resp *http.Response, suffix string, values map[string]string) *http.Response {
	t.Helper()
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: status %d, want a 200 page with a form\n%s", resp.Request.URL, resp.StatusCode, b)
	}
	doc, err := html.Parse(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var action string
	fields := url.Values{}
	var walk func(n *html.Node, in bool)
	walk = func(n *html.Node, in bool) {
		if n.Type == html.ElementNode && n.Data == "form" && action == "" && strings.EqualFold(getAttr(n, "method"), "post") &&
			strings.HasSuffix(getAttr(n, "action"), suffix) {
			action, in = getAttr(n, "action"), true
		}
		if in && n.Type == html.ElementNode && n.Data == "input" && getAttr(n, "name") != "" {
			fields.Set(getAttr(n, "name"), getAttr(n, "value"))
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, in)
		}
	}
	walk(doc, false)
	if action == "" && len(fields) == 0 {
		t.Fatalf("no POST form on %s", resp.Request.URL)
	}
	for k, v := range values {
		fields.Set(k, v)
	}
	target, err := resp.Request.URL.Parse(action)
	if err != nil {
		t.Fatal(err)
	}
	next, err := c.PostForm(target.String(), fields)
	if err != nil {
		t.Fatal(err)
	}
	return next
}

func getAttr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// TestPhotoPrinterFlowThroughGateway walks the photo-printer flow with
// golang.org/x/oauth2 and go-oidc against a real scopegate: discovery,
// authorize, login, consent, code, token with PKCE, then the gateway.
func TestPhotoPrinterFlowThroughGateway(t *testing.T) {
	inst := startInstance(t)
	ctx := context.Background()

	// Step 2: the client finds every endpoint by discovery alone.
	provider, err := oidc.NewProvider(ctx, inst.issuer)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	conf := oauth2.Config{
		ClientID: "photo-printer", ClientSecret: testSecret,
		Endpoint: provider.Endpoint(), RedirectURL: inst.callback,
		Scopes: []string{"photos.read"},
	}
	verifier := oauth2.GenerateVerifier()
	state := "st-" + strings.Repeat("x", 20)
	b := browser(inst.callback)
	resp, err := b.Get(conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		t.Fatal(err)
	}
	// Steps 3 and 4: sign in, then consent.
	resp = submitForm(t, b, resp, map[string]string{"username": "alice", "password": testPassword})
	resp = submitForm(t, b, resp, map[string]string{"decision": "allow"})
	resp.Body.Close()

	// Step 5: back at the client with a code, the state and the issuer.
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("consent answered %d, want 303 to the client", resp.StatusCode)
	}
	loc, err := resp.Location()
	if err != nil {
		t.Fatal(err)
	}
	q := loc.Query()
	if got := q.Get("state"); got != state {
		t.Errorf("state = %q, want %q", got, state)
	}
	if got := q.Get("iss"); got != inst.issuer {
		t.Errorf("iss = %q, want %q (RFC 9207)", got, inst.issuer)
	}
	code := q.Get("code")
	if code == "" {
		t.Fatalf("no code in %s", loc.Redacted())
	}

	// Steps 6 and 7: code + client credentials + PKCE verifier for a token.
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	header, claims := decodeJWT(t, tok.AccessToken)
	if header["typ"] != "at+jwt" || header["alg"] != "ES256" || header["kid"] == "" {
		t.Errorf("access token header = %v, want typ at+jwt, alg ES256 and a kid", header)
	}
	if claims["sub"] != "alice" || claims["client_id"] != "photo-printer" || claims["scope"] != "photos.read" || claims["iss"] != inst.issuer {
		t.Errorf("access token claims = %v", claims)
	}
	// The signature verifies against the published JWKS.
	keys := oidc.NewRemoteKeySet(ctx, inst.issuer+"/oauth2/jwks")
	if _, err := keys.VerifySignature(ctx, tok.AccessToken); err != nil {
		t.Errorf("access token does not verify against the JWKS: %v", err)
	}

	// Steps 8 and 9: the gateway checks the token and the route's scopes.
	api := conf.Client(ctx, tok)
	res := mustDo(t, api, "GET", inst.issuer+"/photos/42")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /photos/42 with token: status %d, want 200", res.StatusCode)
	}
	got := inst.backend.last(t)
	for k, want := range map[string]string{"X-Auth-Subject": "alice", "X-Auth-Client-Id": "photo-printer", "X-Auth-Scope": "photos.read"} {
		if got.Get(k) != want {
			t.Errorf("backend saw %s = %q, want %q", k, got.Get(k), want)
		}
	}
	if got.Get("Authorization") != "" {
		t.Error("backend saw the Authorization header; pass_authorization is off")
	}

	res = mustDo(t, api, "POST", inst.issuer+"/photos")
	if res.StatusCode != http.StatusForbidden || !strings.Contains(res.Header.Get("WWW-Authenticate"), `error="insufficient_scope"`) ||
		!strings.Contains(res.Header.Get("WWW-Authenticate"), `scope="photos.write"`) {
		t.Errorf("POST /photos with a read-only token: %d %q, want 403 insufficient_scope for photos.write", res.StatusCode, res.Header.Get("WWW-Authenticate"))
	}
	res = mustDo(t, http.DefaultClient, "GET", inst.issuer+"/photos/42")
	if res.StatusCode != http.StatusUnauthorized || res.Header.Get("WWW-Authenticate") != `Bearer realm="scopegate"` {
		t.Errorf("GET /photos/42 without token: %d %q, want 401 Bearer realm=\"scopegate\"", res.StatusCode, res.Header.Get("WWW-Authenticate"))
	}

	// A replayed code is refused, and the token it issued stops working
	// at the gateway at once (RFC 9700 §4.2.4: the code leaked, so may the
	// token have).
	if _, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier)); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("second exchange of the same code: err = %v, want invalid_grant", err)
	}
	res = mustDo(t, api, "GET", inst.issuer+"/photos/42")
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Errorf("GET /photos/42 after the code was replayed: %d %q, want 401 invalid_token", res.StatusCode, res.Header.Get("WWW-Authenticate"))
	}

	// Health lives on the admin listener only.
	if res := mustDo(t, http.DefaultClient, "GET", inst.admin+"/healthz"); res.StatusCode != http.StatusOK {
		t.Errorf("admin /healthz: %d, want 200", res.StatusCode)
	}
	if res := mustDo(t, http.DefaultClient, "GET", inst.issuer+"/healthz"); res.StatusCode != http.StatusNotFound {
		t.Errorf("public /healthz: %d, want 404 (admin endpoints never on the public port)", res.StatusCode)
	}

	// Nothing secret reached the logs.
	secrets := map[string]string{"access token": tok.AccessToken, "code": code, "client secret": testSecret, "password": testPassword, "verifier": verifier}
	assertNoSecretsLogged(t, inst.logs, secrets)
}

func mustDo(t *testing.T, c *http.Client, method, url string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

func decodeJWT(t *testing.T, raw string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("access token is not a compact JWS")
	}
	for i, v := range []*map[string]any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatal(err)
		}
	}
	return header, claims
}

func assertNoSecretsLogged(t *testing.T, logs *observer.ObservedLogs, secrets map[string]string) {
	t.Helper()
	if logs.Len() == 0 {
		t.Fatal("no log lines observed; the check below would prove nothing")
	}
	for _, e := range logs.All() {
		text := e.Message
		for k, v := range e.ContextMap() {
			text += fmt.Sprintf(" %s=%v", k, v)
		}
		for what, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("log line %q contains the %s", e.Message, what)
			}
		}
	}
}
