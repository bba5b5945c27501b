package authserver

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"golang.org/x/oauth2"

	"github.com/scopegate/scopegate/oauthrule"
	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/token"
)

// refreshEnv is a test server whose printer and mobile clients may
// refresh, with an audit log and a clock tests can move forward.
type refreshEnv struct {
	*testEnv
	audit *observer.ObservedLogs
	skew  *atomic.Int64 // nanoseconds added to the wall clock
	v     *token.Verifier
}

func newRefreshEnv(t *testing.T, change func(*Config)) *refreshEnv {
	t.Helper()
	core, audit := observer.New(zapcore.InfoLevel)
	skew := new(atomic.Int64)
	env := newTestServer(t, func(c *Config) {
		for i := range c.Clients {
			if c.Clients[i].ID == printerID || c.Clients[i].ID == mobileID {
				c.Clients[i].GrantTypes = []string{oauthrule.GrantAuthorizationCode, oauthrule.GrantRefreshToken}
			}
		}
		c.Audit = zap.New(core)
		c.Now = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
		if change != nil {
			change(c)
		}
	})
	return &refreshEnv{testEnv: env, audit: audit, skew: skew, v: env.verifier(t)}
}

// tokens runs the code flow for alice and the printer with scope and
// returns the token response.
func (e *refreshEnv) tokens(t *testing.T, b *browser, scope string) tokenResult {
	t.Helper()
	u := e.authURL(url.Values{"client_id": {printerID}, "response_type": {"code"}, "scope": {scope}})
	res := e.redeem(t, redirectParams(t, b.authorize(u, "alice", alicePassword)).Get("code"))
	if res.status != http.StatusOK {
		t.Fatalf("code exchange: status %d %v", res.status, res.json)
	}
	return res
}

// refresh runs the refresh_token grant with rt, the extra parameters and
// the client authentication basic.
func (e *testEnv) refresh(t *testing.T, rt string, extra url.Values, basic []string) tokenResult {
	t.Helper()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
	for k, v := range extra {
		form[k] = v
	}
	return e.callToken(t, tokenCall{form: form, basic: basic})
}

var printerAuth = []string{printerID, printerSecret}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

// TestRefreshTokenSource: golang.org/x/oauth2 refreshes an expired access
// token through the real server; the new pair works and the refresh token
// rotated. Presenting the retired refresh token again revokes the whole
// grant: the fresh access token is refused and the fresh refresh token
// stops working (RFC 9700 §4.14.2). The audit log has the events and no
// token.
func TestRefreshTokenSource(t *testing.T) {
	e := newRefreshEnv(t, nil)
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, e.ts.Client())
	conf := &oauth2.Config{ClientID: printerID, ClientSecret: printerSecret, RedirectURL: printerRedir,
		Endpoint: oauth2.Endpoint{AuthURL: e.ts.URL + "/oauth2/authorize", TokenURL: e.ts.URL + "/oauth2/token"},
		Scopes:   []string{"photos.read"}}
	b := newBrowser(t, e.testEnv)
	code := redirectParams(t, b.authorize(conf.AuthCodeURL("s"), "alice", alicePassword)).Get("code")
	tok, err := conf.Exchange(ctx, code)
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	rt0 := tok.RefreshToken
	if len(rt0) < 43 || strings.Contains(rt0, ".") {
		t.Fatalf("refresh token %q: want opaque, at least 256 bits", rt0)
	}
	if _, err := e.store.RefreshToken(ctx, rt0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the store holds the refresh token in clear (lookup by it: %v)", err)
	}

	expired := *tok
	expired.Expiry = time.Now().Add(-time.Minute)
	fresh, err := conf.TokenSource(ctx, &expired).Token()
	if err != nil {
		t.Fatalf("TokenSource.Token (refresh): %v", err)
	}
	if fresh.AccessToken == tok.AccessToken || fresh.RefreshToken == "" || fresh.RefreshToken == rt0 {
		t.Fatalf("refresh gave access token changed=%v, refresh token %q (old %q); want both new",
			fresh.AccessToken != tok.AccessToken, fresh.RefreshToken, rt0)
	}
	claims, err := e.v.Verify(ctx, fresh.AccessToken)
	if err != nil {
		t.Fatalf("verify refreshed access token: %v", err)
	}
	g, err := e.store.LiveGrant(ctx, "alice", printerID)
	if err != nil {
		t.Fatal(err)
	}
	if claims.Subject != "alice" || claims.ClientID != printerID || claims.GrantID != g.ID ||
		oauthrule.FormatScope(claims.Scopes) != "photos.read" {
		t.Errorf("refreshed claims sub %q client %q gid %q scope %v; want alice, %s, %s, photos.read",
			claims.Subject, claims.ClientID, claims.GrantID, claims.Scopes, printerID, g.ID)
	}

	// Reuse of the retired token: invalid_grant, and the grant is gone.
	if _, err := conf.TokenSource(ctx, &expired).Token(); !isOAuthError(err, "invalid_grant") {
		t.Fatalf("refresh with the retired token: %v; want invalid_grant", err)
	}
	if _, err := e.v.Verify(ctx, fresh.AccessToken); !errors.Is(err, token.ErrRevoked) {
		t.Errorf("access token of a grant whose refresh token was reused: %v; want ErrRevoked", err)
	}
	if res := e.refresh(t, fresh.RefreshToken, nil, printerAuth); res.status != http.StatusBadRequest || res.json["error"] != "invalid_grant" {
		t.Errorf("newest refresh token after reuse: %d %v; want 400 invalid_grant", res.status, res.json)
	}
	if got, err := e.store.Grant(ctx, g.ID); err != nil || got.Live() {
		t.Errorf("grant after reuse: %+v, %v; want revoked", got, err)
	}

	events := map[string]int{}
	for _, en := range e.audit.All() {
		events[en.Message]++
		fields := en.ContextMap()
		if fields["request_id"] == "" || fields["remote_addr"] == "" || fields["client_id"] != printerID || fields["subject"] != "alice" {
			t.Errorf("audit %s: fields %v lack who/where", en.Message, fields)
		}
	}
	for _, ev := range []string{EventTokenRefreshed, EventRefreshTokenReused, EventGrantRevoked} {
		if events[ev] != 1 {
			t.Errorf("audit events %v: want one %s", events, ev)
		}
	}
	for _, f := range append(fieldValues(e.audit.All()), fieldValues(e.logs.All())...) {
		for _, secret := range []string{rt0, fresh.RefreshToken, fresh.AccessToken, tok.AccessToken} {
			if strings.Contains(f, secret) {
				t.Errorf("log field %q contains a token", f)
			}
		}
	}
}

// TestRefreshOfflineAccess: in an OpenID Connect request a refresh token
// comes only with offline_access (OIDC Core §11), which only clients
// registered for refresh_token may ask for; a plain OAuth request of such
// a client gets one; a client not registered for it gets none and may not
// use the grant. Discovery lists the grant, the scope and the endpoints.
func TestRefreshOfflineAccess(t *testing.T) {
	e := newRefreshEnv(t, nil)
	b := newBrowser(t, e.testEnv)
	if res := e.tokens(t, b, "openid photos.read"); str(res.json, "refresh_token") != "" {
		t.Errorf("openid without offline_access: got a refresh token")
	}
	res := e.tokens(t, b, "openid offline_access photos.read")
	if str(res.json, "refresh_token") == "" || !strings.Contains(str(res.json, "scope"), "offline_access") {
		t.Errorf("openid offline_access: %v; want a refresh token and the scope", res.json)
	}
	if res := e.tokens(t, b, "photos.read"); str(res.json, "refresh_token") == "" {
		t.Errorf("plain OAuth request of a refreshing client: no refresh token")
	}

	plain := newTestServer(t, nil) // the printer may not refresh here
	pb := newBrowser(t, plain)
	u := plain.authURL(url.Values{"client_id": {printerID}, "response_type": {"code"}, "scope": {"photos.read"}})
	r := plain.redeem(t, redirectParams(t, pb.authorize(u, "alice", alicePassword)).Get("code"))
	if str(r.json, "refresh_token") != "" {
		t.Errorf("client without the refresh_token grant got a refresh token")
	}
	q := redirectParams(t, pb.get(plain.authURL(url.Values{"client_id": {printerID}, "response_type": {"code"},
		"scope": {"openid offline_access"}})))
	if q.Get("error") != "invalid_scope" {
		t.Errorf("offline_access by a client that may not refresh: %v; want invalid_scope", q)
	}
	r = plain.callToken(t, tokenCall{form: url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}}, basic: printerAuth})
	if r.status != http.StatusBadRequest || r.json["error"] != "unauthorized_client" {
		t.Errorf("refresh grant by a client not registered for it: %d %v; want unauthorized_client", r.status, r.json)
	}

	md := e.srv.metadata()
	for what, ok := range map[string]bool{
		"grant_types_supported has refresh_token": contains(md.GrantTypesSupported, "refresh_token"),
		"scopes_supported has offline_access":     contains(md.ScopesSupported, "offline_access"),
		"revocation_endpoint":                     md.RevocationEndpoint == e.ts.URL+"/oauth2/revoke",
		"introspection_endpoint":                  md.IntrospectionEndpoint == e.ts.URL+"/oauth2/introspect",
		"introspection without none":              !contains(md.IntrospectionAuthMethodsSupported, "none"),
	} {
		if !ok {
			t.Errorf("discovery: %s is wrong: %+v", what, md)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestRefreshEdgeCases: the protocol edges of RFC 6749 §6 and RFC 9700
// §4.14.2, each on a fresh refresh token of scope "photos.read profile".
func TestRefreshEdgeCases(t *testing.T) {
	cases := []struct {
		name   string
		change func(*Config)
		// before runs before the refresh (move the clock, revoke ...).
		before     func(t *testing.T, e *refreshEnv)
		rt         func(real string) string
		form       url.Values
		basic      []string
		wantStatus int
		wantError  string
		wantScope  string
		// grantLive is whether the grant must survive the request.
		grantLive bool
	}{
		{name: "all scopes", wantStatus: 200, wantScope: "photos.read profile", grantLive: true},
		{name: "narrower scope", form: url.Values{"scope": {"profile"}}, wantStatus: 200, wantScope: "profile", grantLive: true},
		{name: "wider scope", form: url.Values{"scope": {"photos.read photos.write"}}, wantStatus: 400, wantError: "invalid_scope", grantLive: true},
		{name: "scope the client has but the token not", form: url.Values{"scope": {"email"}}, wantStatus: 400, wantError: "invalid_scope", grantLive: true},
		{name: "empty scope", form: url.Values{"scope": {""}}, wantStatus: 400, wantError: "invalid_scope", grantLive: true},
		{name: "no refresh_token", rt: func(string) string { return "" }, wantStatus: 400, wantError: "invalid_request", grantLive: true},
		{name: "garbage", rt: func(string) string { return "garbage" }, wantStatus: 400, wantError: "invalid_grant", grantLive: true},
		{name: "an access token", rt: func(string) string { return "x.y.z" }, wantStatus: 400, wantError: "invalid_grant", grantLive: true},
		{name: "other client", basic: []string{}, form: url.Values{"client_id": {mobileID}},
			wantStatus: 400, wantError: "invalid_grant", grantLive: true},
		{name: "no client authentication", basic: []string{}, form: url.Values{"client_id": {printerID}},
			wantStatus: 401, wantError: "invalid_client", grantLive: true},
		{name: "wrong secret", basic: []string{printerID, "wrong-secret-0123456789"}, wantStatus: 401, wantError: "invalid_client", grantLive: true},
		{
			name:   "idle expiry",
			change: func(c *Config) { c.RefreshTokenIdleTTL, c.RefreshTokenTTL = time.Hour, 24*time.Hour },
			before: func(t *testing.T, e *refreshEnv) { e.skew.Add(int64(time.Hour + time.Second)) },
			// An expired token is not a reuse: the grant stays.
			wantStatus: 400, wantError: "invalid_grant", grantLive: true,
		},
		{
			name:       "within idle time",
			change:     func(c *Config) { c.RefreshTokenIdleTTL, c.RefreshTokenTTL = time.Hour, 24*time.Hour },
			before:     func(t *testing.T, e *refreshEnv) { e.skew.Add(int64(59 * time.Minute)) },
			wantStatus: 200, wantScope: "photos.read profile", grantLive: true,
		},
		{
			name: "grant revoked",
			before: func(t *testing.T, e *refreshEnv) {
				g, err := e.store.LiveGrant(context.Background(), "alice", printerID)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := e.srv.RevokeGrant(context.Background(), g.ID); err != nil {
					t.Fatal(err)
				}
			},
			wantStatus: 400, wantError: "invalid_grant", grantLive: false,
		},
		{
			name: "user removed from the config",
			before: func(t *testing.T, e *refreshEnv) {
				cfg := e.cfg
				cfg.Users = cfg.Users[1:]
				srv, err := e.srv.Reconfigure(cfg)
				if err != nil {
					t.Fatal(err)
				}
				e.use(srv)
			},
			wantStatus: 400, wantError: "invalid_grant", grantLive: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newRefreshEnv(t, tc.change)
			real := str(e.tokens(t, newBrowser(t, e.testEnv), "photos.read profile").json, "refresh_token")
			if real == "" {
				t.Fatal("no refresh token from the code exchange")
			}
			if tc.before != nil {
				tc.before(t, e)
			}
			rt := real
			if tc.rt != nil {
				rt = tc.rt(real)
			}
			basic := printerAuth
			if tc.basic != nil {
				basic = tc.basic
				if len(basic) == 0 {
					basic = nil
				}
			}
			res := e.refresh(t, rt, tc.form, basic)
			if res.status != tc.wantStatus || str(res.json, "error") != tc.wantError {
				t.Fatalf("refresh: %d %v; want %d %q", res.status, res.json, tc.wantStatus, tc.wantError)
			}
			if tc.wantStatus == 200 {
				if got := str(res.json, "scope"); got != tc.wantScope {
					t.Errorf("scope = %q; want %q", got, tc.wantScope)
				}
				if res.header.Get("Cache-Control") != "no-store" {
					t.Errorf("Cache-Control = %q; want no-store (RFC 6749 §5.1)", res.header.Get("Cache-Control"))
				}
				// The successor keeps the scope of the original (RFC 6749 §6).
				again := e.refresh(t, str(res.json, "refresh_token"), nil, printerAuth)
				if again.status != 200 || str(again.json, "scope") != "photos.read profile" {
					t.Errorf("refresh with the successor: %d %v; want 200 with the original scope", again.status, again.json)
				}
			}
			_, err := e.store.LiveGrant(context.Background(), "alice", printerID)
			if live := err == nil; live != tc.grantLive {
				t.Errorf("grant live after the request = %v (%v); want %v", live, err, tc.grantLive)
			}
		})
	}
}

// TestRefreshAbsoluteLifetime: rotation extends a token's idle time but
// never the family's absolute lifetime.
func TestRefreshAbsoluteLifetime(t *testing.T) {
	e := newRefreshEnv(t, func(c *Config) { c.RefreshTokenIdleTTL, c.RefreshTokenTTL = time.Hour, 90*time.Minute })
	rt := str(e.tokens(t, newBrowser(t, e.testEnv), "photos.read").json, "refresh_token")
	for i, step := range []time.Duration{50 * time.Minute, 35 * time.Minute} {
		e.skew.Add(int64(step))
		res := e.refresh(t, rt, nil, printerAuth)
		if res.status != 200 {
			t.Fatalf("refresh %d within the family's lifetime: %d %v", i, res.status, res.json)
		}
		rt = str(res.json, "refresh_token")
	}
	e.skew.Add(int64(6 * time.Minute)) // 91 minutes after the code: within idle, past absolute
	if res := e.refresh(t, rt, nil, printerAuth); res.status != 400 || res.json["error"] != "invalid_grant" {
		t.Errorf("refresh past the absolute lifetime: %d %v; want invalid_grant", res.status, res.json)
	}
}

// TestRefreshConcurrent: many refreshes of one token at once, through
// real HTTP: exactly one gets tokens. The others lost to a rotation they
// could not see coming, which is what a replay looks like, so the grant
// is revoked and no second family lives on (RFC 9700 §4.14.2).
func TestRefreshConcurrent(t *testing.T) {
	e := newRefreshEnv(t, nil)
	rt := str(e.tokens(t, newBrowser(t, e.testEnv), "photos.read").json, "refresh_token")
	const n = 24
	results := make([]tokenResult, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i] = e.refresh(t, rt, nil, printerAuth)
		}()
	}
	close(start)
	wg.Wait()
	var won []tokenResult
	for _, r := range results {
		switch {
		case r.status == 200:
			won = append(won, r)
		case r.status != 400 || r.json["error"] != "invalid_grant":
			t.Errorf("a losing refresh: %d %v; want 400 invalid_grant", r.status, r.json)
		}
	}
	if len(won) != 1 {
		t.Fatalf("%d of %d concurrent refreshes won; want exactly 1", len(won), n)
	}
	if res := e.refresh(t, str(won[0].json, "refresh_token"), nil, printerAuth); res.status != 400 {
		t.Errorf("the winner's refresh token after the race: %d %v; want refused (the grant is revoked)", res.status, res.json)
	}
}

// TestRefreshPublicClient: a public client (PKCE, no secret) refreshes
// with its client_id alone; rotation is what protects its refresh tokens
// (RFC 9700 §4.14.2), so a retired one is reuse here too. Another public
// client naming itself cannot use the token.
func TestRefreshPublicClient(t *testing.T) {
	e := newRefreshEnv(t, func(c *Config) {
		c.Clients = append(c.Clients, Client{ID: "other-public", RedirectURIs: []string{"http://127.0.0.1/x"},
			GrantTypes: []string{oauthrule.GrantAuthorizationCode, oauthrule.GrantRefreshToken}, Scopes: []string{"photos.read"}})
	})
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, e.ts.Client())
	conf := &oauth2.Config{ClientID: mobileID, RedirectURL: mobileRedirect,
		Endpoint: oauth2.Endpoint{AuthURL: e.ts.URL + "/oauth2/authorize", TokenURL: e.ts.URL + "/oauth2/token",
			AuthStyle: oauth2.AuthStyleInParams},
		Scopes: []string{"photos.read"}}
	verifier := oauth2.GenerateVerifier()
	b := newBrowser(t, e.testEnv)
	q := redirectParams(t, b.authorize(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)), "alice", alicePassword))
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("Exchange: %v, refresh token %q", err, tok.RefreshToken)
	}
	stolen := e.callToken(t, tokenCall{form: url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken},
		"client_id": {"other-public"}}})
	if stolen.status != 400 || stolen.json["error"] != "invalid_grant" {
		t.Errorf("another public client with the token: %d %v; want invalid_grant", stolen.status, stolen.json)
	}
	expired := *tok
	expired.Expiry = time.Now().Add(-time.Minute)
	fresh, err := conf.TokenSource(ctx, &expired).Token()
	if err != nil || fresh.RefreshToken == tok.RefreshToken {
		t.Fatalf("public client refresh: %v", err)
	}
	if _, err := conf.TokenSource(ctx, &expired).Token(); !isOAuthError(err, "invalid_grant") {
		t.Errorf("public client reusing a retired token: %v; want invalid_grant", err)
	}
	if _, err := e.v.Verify(ctx, fresh.AccessToken); !errors.Is(err, token.ErrRevoked) {
		t.Errorf("access token after the public client's reuse: %v; want ErrRevoked", err)
	}
}
