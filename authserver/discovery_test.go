package authserver

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/scopegate/scopegate/token"
)

func getJSON(t *testing.T, env *testEnv, path string, v any) http.Header {
	t.Helper()
	resp, err := env.ts.Client().Get(env.ts.URL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", path, resp.StatusCode)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, b)
	}
	return resp.Header
}

// TestDiscoveryMatchesBehaviour holds every published value to what the
// endpoints do (RFC 9207, RFC 9700 §2.1.1, RFC 8414 §3).
func TestDiscoveryMatchesBehaviour(t *testing.T) {
	env := newTestServer(t, nil)
	var md, oidcMD metadata
	h := getJSON(t, env, "/.well-known/oauth-authorization-server", &md)
	getJSON(t, env, "/.well-known/openid-configuration", &oidcMD)
	if !reflect.DeepEqual(md, oidcMD) {
		t.Errorf("the two discovery documents differ:\n%+v\n%+v", md, oidcMD)
	}
	if h.Get("Access-Control-Allow-Origin") != "*" {
		t.Error("discovery has no CORS header")
	}
	if md.Issuer != env.ts.URL || !md.IssParameterSupported {
		t.Errorf("issuer %q iss_parameter %v, want %q true", md.Issuer, md.IssParameterSupported, env.ts.URL)
	}
	for _, ep := range []string{md.AuthorizationEndpoint, md.TokenEndpoint, md.JWKSURI, md.UserinfoEndpoint} {
		if !strings.HasPrefix(ep, env.ts.URL+"/oauth2/") {
			t.Errorf("endpoint %q is not under the issuer", ep)
		}
	}
	want := map[string][]string{
		"response_types":  {"code"},
		"response_modes":  {"query"},
		"pkce methods":    {"S256"},
		"grant types":     {"authorization_code", "client_credentials", "refresh_token"},
		"auth methods":    {"client_secret_basic", "client_secret_post", "none"},
		"id token algs":   {"RS256", "ES256"},
		"subject types":   {"public"},
		"declared scopes": {"openid", "profile", "email", "offline_access", "photos.read", "photos.write"},
	}
	got := map[string][]string{
		"response_types": md.ResponseTypesSupported, "response_modes": md.ResponseModesSupported,
		"pkce methods": md.CodeChallengeMethodsSupported, "grant types": md.GrantTypesSupported,
		"auth methods": md.TokenEndpointAuthMethodsSupported, "id token algs": md.IDTokenSigningAlgValuesSupported,
		"subject types": md.SubjectTypesSupported, "declared scopes": md.ScopesSupported,
	}
	for k := range want {
		if !slices.Equal(got[k], want[k]) {
			t.Errorf("%s = %v, want %v", k, got[k], want[k])
		}
	}

	// Behaviour: each published PKCE method and response type is accepted
	// and nothing else is.
	b := newBrowser(t, env)
	authz := func(kv ...string) *page {
		v := url.Values{"client_id": {mobileID}, "redirect_uri": {mobileRedirect}, "response_type": {"code"},
			"scope": {"photos.read"}, "code_challenge": {testChallenge}}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return b.get(md.AuthorizationEndpoint + "?" + v.Encode())
	}
	for _, m := range []string{"S256", "plain", "s256", "S512"} {
		p := authz("code_challenge_method", m)
		accepted := strings.HasPrefix(p.header.Get("Location"), "/oauth2/login")
		if accepted != slices.Contains(md.CodeChallengeMethodsSupported, m) {
			t.Errorf("code_challenge_method %s: accepted=%v, but published %v", m, accepted, md.CodeChallengeMethodsSupported)
		}
	}
	for _, rt := range []string{"code", "token", "id_token", "code token"} {
		p := authz("code_challenge_method", "S256", "response_type", rt)
		accepted := strings.HasPrefix(p.header.Get("Location"), "/oauth2/login")
		if accepted != slices.Contains(md.ResponseTypesSupported, rt) {
			t.Errorf("response_type %s: accepted=%v, but published %v", rt, accepted, md.ResponseTypesSupported)
		}
	}
	// Each grant type is implemented (not unsupported_grant_type) and others are not.
	for _, g := range []string{"authorization_code", "client_credentials", "refresh_token", "password", "implicit"} {
		res := env.callToken(t, tokenCall{form: url.Values{"grant_type": {g}}, basic: []string{"batch-job", batchSecret}})
		implemented := res.json["error"] != "unsupported_grant_type"
		if implemented != slices.Contains(md.GrantTypesSupported, g) {
			t.Errorf("grant %s: implemented=%v, but published %v", g, implemented, md.GrantTypesSupported)
		}
	}
}

// TestJWKS publishes public keys only, usable for the tokens we sign.
func TestJWKS(t *testing.T) {
	env := newTestServer(t, nil)
	var set struct{ Keys []map[string]any }
	h := getJSON(t, env, "/oauth2/jwks", &set)
	if len(set.Keys) != 2 {
		t.Fatalf("%d keys published, want 2 (ES256 and RS256)", len(set.Keys))
	}
	var algs []string
	for _, k := range set.Keys {
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
			if _, ok := k[private]; ok {
				t.Errorf("JWKS leaks private member %q", private)
			}
		}
		ec := k["kty"] == "EC" && k["crv"] == "P-256" && k["alg"] == "ES256"
		rsa := k["kty"] == "RSA" && k["alg"] == "RS256" && k["n"] != nil && k["e"] != nil
		if !ec && !rsa || k["use"] != "sig" || k["kid"] == "" {
			t.Errorf("key = %v, want an ES256 P-256 or RS256 signing key with a kid", k)
		}
		algs = append(algs, k["alg"].(string))
	}
	if slices.Sort(algs); !slices.Equal(algs, []string{"ES256", "RS256"}) {
		t.Errorf("published algorithms %v, want ES256 and RS256", algs)
	}
	if h.Get("Access-Control-Allow-Origin") != "*" {
		t.Error("JWKS has no CORS header")
	}
}

// TestKeysSharedAcrossInstances: a second instance on the same store signs
// with the same key, and a key created later by another instance is
// picked up by KeySet without a restart.
func TestKeysSharedAcrossInstances(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Now().Unix())
	now := func() time.Time { return time.Unix(clock.Load(), 0) }
	a := newTestServer(t, func(c *Config) { c.Now = now })
	cfgB := a.cfg
	cfgB.Logger = nil
	b, err := New(context.Background(), cfgB)
	if err != nil {
		t.Fatal(err)
	}
	if ka, kb := a.srv.keys.snap.Load().current[jose.ES256].id, b.keys.snap.Load().current[jose.ES256].id; ka != kb {
		t.Errorf("instances sign with %s and %s, want one shared key", ka, kb)
	}
	// Instance B rotates (as after its key ran out) and signs with the new key.
	if err := b.keys.rotate(context.Background(), jose.ES256); err != nil {
		t.Fatal(err)
	}
	raw, err := b.mintAccessToken(context.Background(), token.Claims{ID: randomToken(32), Subject: "batch-job", ClientID: "batch-job"}, now())
	if err != nil {
		t.Fatal(err)
	}
	v, _ := token.NewVerifier(token.Config{Now: now, CacheSize: -1, Issuers: []token.Issuer{{URL: a.ts.URL, Audience: a.ts.URL, Keys: a.srv.KeySet()}}})
	clock.Add(int64(keyReloadEvery / time.Second))
	if _, err := v.Verify(context.Background(), raw); err != nil {
		t.Errorf("instance A does not verify a token signed with B's new key: %v", err)
	}
}

// TestSecurityHeaders: every page has CSP, framing and referrer
// protection and no-store, and no page route has CORS (RFC 9700 §4.2.4,
// A.9, A.10).
func TestSecurityHeaders(t *testing.T) {
	env := newTestServer(t, nil)
	b := newBrowser(t, env)
	redirectParams(t, b.authorize(loginURL(env), "alice", alicePassword))
	anon := newBrowser(t, env)
	pagesToCheck := map[string]*page{
		"authorize error page": anon.get("/oauth2/authorize?client_id=nobody"),
		"authorize redirect":   anon.get(loginURL(env)),
		"login":                anon.follow(anon.get(loginURL(env))),
		"consent":              b.follow(b.get(env.authURL(url.Values{"client_id": {printerID}, "response_type": {"code"}, "scope": {"email"}}))),
		"account":              b.get("/oauth2/account"),
		"logged out":           anon.get("/oauth2/logout"),
	}
	want := map[string]string{
		"Content-Security-Policy": pageCSP,
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           "no-store",
	}
	for name, p := range pagesToCheck {
		for k, v := range want {
			if got := p.header.Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", name, k, got, v)
			}
		}
		if p.header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%s has a CORS header", name)
		}
	}
	if !strings.Contains(pageCSP, "frame-ancestors 'none'") || strings.Contains(pageCSP, "script-src") {
		t.Errorf("CSP %q must forbid framing and allow no script", pageCSP)
	}
}

// TestUserinfoRefusesBadTokens: only a valid access token in the header
// (RFC 9068 §4, RFC 9700 §4.3.2).
func TestUserinfoRefusesBadTokens(t *testing.T) {
	env := newTestServer(t, nil)
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, env.ts.Client())
	b := newBrowser(t, env)
	v := oauth2.GenerateVerifier()
	conf := &oauth2.Config{ClientID: printerID, ClientSecret: printerSecret, Endpoint: oauth2.Endpoint{
		AuthURL: env.ts.URL + "/oauth2/authorize", TokenURL: env.ts.URL + "/oauth2/token"}, Scopes: []string{"openid"}}
	q := redirectParams(t, b.authorize(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(v)), "alice", alicePassword))
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}
	idToken, _ := tok.Extra("id_token").(string)
	tests := []struct {
		name, auth, query string
		want              int
	}{
		{"valid", "Bearer " + tok.AccessToken, "", 200},
		{"no token", "", "", 401},
		{"token in query", "", "access_token=" + tok.AccessToken, 401},
		{"ID token as access token", "Bearer " + idToken, "", 401},
		{"garbage", "Bearer abc.def.ghi", "", 401},
		{"basic scheme", "Basic " + tok.AccessToken, "", 401},
		// RFC 6750 §2.1 and §3.1, judged as the gateway judges them.
		{"lower-case scheme", "bearer " + tok.AccessToken, "", 200},
		{"text after the token", "Bearer " + tok.AccessToken + " x", "", 400},
		{"not a b64token", "Bearer " + tok.AccessToken + "\"", "", 400},
		{"scheme without token", "Bearer ", "", 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, env.ts.URL+"/oauth2/userinfo?"+tc.query, nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := env.ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.want)
			}
			if tc.want == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate = %q, want Bearer", resp.Header.Get("WWW-Authenticate"))
			}
		})
	}
}

// TestStylesheetServed: the stylesheet the pages link to is served under
// /oauth2/static/, so CSP style-src 'self' finds it.
func TestStylesheetServed(t *testing.T) {
	env := newTestServer(t, nil)
	b := newBrowser(t, env)
	p := b.get("/oauth2/login")
	m := regexp.MustCompile(`<link[^>]+href="(/oauth2/static/[^"]+)"`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("login page links no stylesheet under /oauth2/static/:\n%s", p.body)
	}
	css := b.get(html.UnescapeString(m[1]))
	if css.status != http.StatusOK || !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") {
		t.Errorf("GET %s: status %d type %q, want 200 text/css", m[1], css.status, css.header.Get("Content-Type"))
	}
}
