package authserver

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/scopegate/scopegate/oauthrule"
	"github.com/scopegate/scopegate/token"
)

// tokenCall is one raw request to the token endpoint.
type tokenCall struct {
	form       url.Values
	basic      []string // id, secret: sent form-urlencoded in Basic
	header     http.Header
	body       string // raw body instead of form
	contentTyp string
	from       string // loopback source address; empty: the default
}

type tokenResult struct {
	status int
	header http.Header
	json   map[string]any
}

func (e *testEnv) callToken(t testing.TB, c tokenCall) tokenResult {
	t.Helper()
	body := c.body
	if body == "" {
		body = c.form.Encode()
	}
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+"/oauth2/token", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c.contentTyp != "" {
		req.Header.Set("Content-Type", c.contentTyp)
	}
	if c.basic != nil {
		req.SetBasicAuth(url.QueryEscape(c.basic[0]), url.QueryEscape(c.basic[1]))
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	httpc := e.ts.Client()
	if c.from != "" {
		httpc = newBrowserFrom(t, e, c.from).c
	}
	resp, err := httpc.Do(req)
	if err != nil {
		t.Fatalf("POST /oauth2/token: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return tokenResult{status: resp.StatusCode, header: resp.Header, json: m}
}

// codeFor runs login and consent for alice and returns a fresh code.
func (e *testEnv) codeFor(t testing.TB, b *browser, params url.Values) string {
	t.Helper()
	base := url.Values{"client_id": {printerID}, "response_type": {"code"}, "scope": {"photos.read"}}
	for k, v := range params {
		base[k] = v
	}
	q := redirectParams(t, b.authorize(e.authURL(base), "alice", alicePassword))
	if q.Get("code") == "" {
		t.Fatalf("no code in redirect: %v", q)
	}
	return q.Get("code")
}

// TestTokenErrors checks (status, error, WWW-Authenticate) for every
// failure of the token endpoint that does not involve a code
// (RFC 9700 §2.4, RFC 9700 §2.5, OAuth 2.1 §10, OAuth 2.1 §2.4.1).
func TestTokenErrors(t *testing.T) {
	env := newTestServer(t, nil)
	cc := url.Values{"grant_type": {"client_credentials"}}
	with := func(v url.Values, kv ...string) url.Values {
		out := url.Values{}
		for k, vv := range v {
			out[k] = vv
		}
		for i := 0; i < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	batch := []string{"batch-job", batchSecret}
	tests := []struct {
		name       string
		call       tokenCall
		wantStatus int
		wantError  string
	}{
		{"no client authentication", tokenCall{form: with(cc, "client_id", "batch-job")}, 401, "invalid_client"},
		{"no client at all", tokenCall{form: cc}, 401, "invalid_client"},
		{"unknown client", tokenCall{form: cc, basic: []string{"nobody", "x"}}, 401, "invalid_client"},
		{"wrong secret basic", tokenCall{form: cc, basic: []string{"batch-job", "wrong"}}, 401, "invalid_client"},
		{"wrong secret post", tokenCall{form: with(cc, "client_id", "batch-job", "client_secret", "wrong")}, 401, "invalid_client"},
		{"wrong bcrypt secret", tokenCall{form: cc, basic: []string{"hashed-job", "wrong"}}, 401, "invalid_client"},
		{"public client sends a secret", tokenCall{form: with(url.Values{"grant_type": {"authorization_code"}, "code": {"x"}}, "client_id", mobileID, "client_secret", "x")}, 401, "invalid_client"},
		{"basic and post together", tokenCall{form: with(cc, "client_secret", batchSecret), basic: batch}, 400, "invalid_request"},
		{"two Authorization headers", tokenCall{form: cc, header: http.Header{"Authorization": {"Basic eDp5", "Basic eDp5"}}}, 400, "invalid_request"},
		{"client_id differs from Basic", tokenCall{form: with(cc, "client_id", printerID), basic: batch}, 400, "invalid_request"},
		{"missing grant_type", tokenCall{form: url.Values{}, basic: batch}, 400, "invalid_request"},
		{"password grant", tokenCall{form: url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {alicePassword}}, basic: batch}, 400, "unsupported_grant_type"},
		{"refresh_token not allowed", tokenCall{form: url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}}, basic: batch}, 400, "unauthorized_client"},
		{"unknown grant", tokenCall{form: url.Values{"grant_type": {"urn:x"}}, basic: batch}, 400, "unsupported_grant_type"},
		{"client_credentials not allowed", tokenCall{form: cc, basic: []string{printerID, printerSecret}}, 400, "unauthorized_client"},
		{"authorization_code not allowed", tokenCall{form: url.Values{"grant_type": {"authorization_code"}, "code": {"x"}}, basic: batch}, 400, "unauthorized_client"},
		{"scope not allowed", tokenCall{form: with(cc, "scope", "profile"), basic: batch}, 400, "invalid_scope"},
		{"openid for a client", tokenCall{form: with(cc, "scope", "openid"), basic: batch}, 400, "invalid_scope"},
		{"duplicate parameter", tokenCall{body: "grant_type=client_credentials&grant_type=client_credentials", basic: batch}, 400, "invalid_request"},
		{"JSON body", tokenCall{body: `{"grant_type":"client_credentials"}`, contentTyp: "application/json", basic: batch}, 400, "invalid_request"},
		{"oversized body", tokenCall{body: "grant_type=client_credentials&x=" + strings.Repeat("a", maxFormBytes), basic: batch}, 400, "invalid_request"},
		{"missing code", tokenCall{form: url.Values{"grant_type": {"authorization_code"}}, basic: []string{printerID, printerSecret}}, 400, "invalid_request"},
		{"unknown code", tokenCall{form: url.Values{"grant_type": {"authorization_code"}, "code": {"bm9wZQ"}}, basic: []string{printerID, printerSecret}}, 400, "invalid_grant"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := env.callToken(t, tc.call)
			if res.status != tc.wantStatus || res.json["error"] != tc.wantError {
				t.Fatalf("status %d error %v, want %d %s", res.status, res.json["error"], tc.wantStatus, tc.wantError)
			}
			wantAuth := ""
			if tc.wantError == "invalid_client" {
				wantAuth = `Basic realm="scopegate"`
			}
			if got := res.header.Get("WWW-Authenticate"); got != wantAuth {
				t.Errorf("WWW-Authenticate = %q, want %q", got, wantAuth)
			}
			if res.header.Get("Cache-Control") != "no-store" || res.header.Get("Pragma") != "no-cache" {
				t.Errorf("Cache-Control %q Pragma %q, want no-store and no-cache", res.header.Get("Cache-Control"), res.header.Get("Pragma"))
			}
		})
	}
}

// TestTokenCodeErrors covers the checks made when a code is redeemed
// (RFC 7636 §4.6, RFC 9700 §4.8.2, RFC 9700 §4.2.4, RFC 9700 §4.5.3, RFC 6749 §4.1.2, OAuth 2.1 §10.2).
func TestTokenCodeErrors(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Unix())
	env := newTestServer(t, func(c *Config) {
		c.Now = func() time.Time { return time.Unix(clock.Load(), 0) }
		// A second confidential client on the same redirect URI: only the
		// code's binding to its client tells them apart (RFC 9700 §4.5.3).
		c.Clients = append(c.Clients, Client{ID: "other-printer", Secret: batchSecret,
			RedirectURIs: []string{printerRedir}, Scopes: []string{"photos.read"}})
	})
	verifier := oauth2.GenerateVerifier()
	challenge := oauth2.S256ChallengeFromVerifier(verifier)
	pkce := url.Values{"code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	printer := []string{printerID, printerSecret}
	redeem := func(code string, kv ...string) url.Values {
		v := url.Values{"grant_type": {"authorization_code"}, "code": {code}}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	tests := []struct {
		name      string
		authz     url.Values
		call      func(code string) tokenCall
		before    func() // runs between authorization and redemption
		wantError string
	}{
		{name: "ok with PKCE", authz: pkce, call: func(c string) tokenCall {
			return tokenCall{form: redeem(c, "code_verifier", verifier), basic: printer}
		}},
		{name: "missing verifier", authz: pkce, wantError: "invalid_grant", call: func(c string) tokenCall {
			return tokenCall{form: redeem(c), basic: printer}
		}},
		{name: "wrong verifier", authz: pkce, wantError: "invalid_grant", call: func(c string) tokenCall {
			return tokenCall{form: redeem(c, "code_verifier", oauth2.GenerateVerifier()), basic: printer}
		}},
		{name: "verifier too short", authz: pkce, wantError: "invalid_grant", call: func(c string) tokenCall {
			return tokenCall{form: redeem(c, "code_verifier", "abc"), basic: printer}
		}},
		{name: "verifier without challenge (downgrade)", wantError: "invalid_grant", call: func(c string) tokenCall {
			return tokenCall{form: redeem(c, "code_verifier", verifier), basic: printer}
		}},
		{name: "other public client", wantError: "invalid_grant", call: func(c string) tokenCall {
			return tokenCall{form: redeem(c, "client_id", mobileID)}
		}},
		{name: "other confidential client", wantError: "invalid_grant", call: func(c string) tokenCall {
			return tokenCall{form: redeem(c), basic: []string{"other-printer", batchSecret}}
		}},
		{name: "other confidential client with the verifier", authz: pkce, wantError: "invalid_grant", call: func(c string) tokenCall {
			return tokenCall{form: redeem(c, "code_verifier", verifier), basic: []string{"other-printer", batchSecret}}
		}},
		{name: "redirect_uri differs", authz: url.Values{"redirect_uri": {printerRedir}}, wantError: "invalid_grant", call: func(c string) tokenCall {
			return tokenCall{form: redeem(c, "redirect_uri", "http://127.0.0.1:8081/other"), basic: printer}
		}},
		{name: "redirect_uri omitted but sent before", authz: url.Values{"redirect_uri": {printerRedir}}, wantError: "invalid_grant", call: func(c string) tokenCall {
			return tokenCall{form: redeem(c), basic: printer}
		}},
		{name: "redirect_uri repeated", authz: url.Values{"redirect_uri": {printerRedir}}, call: func(c string) tokenCall {
			return tokenCall{form: redeem(c, "redirect_uri", printerRedir), basic: printer}
		}},
		{name: "expired code", wantError: "invalid_grant", before: func() { clock.Add(61) }, call: func(c string) tokenCall {
			return tokenCall{form: redeem(c), basic: printer}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code := env.codeFor(t, newBrowser(t, env), tc.authz)
			if tc.before != nil {
				tc.before()
			}
			res := env.callToken(t, tc.call(code))
			if tc.wantError == "" {
				if res.status != http.StatusOK || res.json["access_token"] == nil {
					t.Fatalf("status %d body %v, want a token", res.status, res.json)
				}
				return
			}
			if res.status != http.StatusBadRequest || res.json["error"] != tc.wantError {
				t.Fatalf("status %d error %v, want 400 %s", res.status, res.json["error"], tc.wantError)
			}
		})
	}
}

// TestConcurrentRedemption: of many simultaneous redemptions of one code,
// exactly one gets a token (RFC 6749 §4.1.2).
func TestConcurrentRedemption(t *testing.T) {
	env := newTestServer(t, nil)
	code := env.codeFor(t, newBrowser(t, env), nil)
	const n = 8
	var wg sync.WaitGroup
	var ok atomic.Int32
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res := env.callToken(t, tokenCall{form: url.Values{"grant_type": {"authorization_code"}, "code": {code}},
				basic: []string{printerID, printerSecret}})
			if res.status == http.StatusOK {
				ok.Add(1)
			} else if res.json["error"] != "invalid_grant" {
				t.Errorf("loser got status %d error %v, want invalid_grant", res.status, res.json["error"])
			}
		}()
	}
	close(start)
	wg.Wait()
	if got := ok.Load(); got != 1 {
		t.Errorf("%d of %d concurrent redemptions succeeded, want exactly 1", got, n)
	}
}

// TestClientCredentials uses the x/oauth2 client with both client
// authentication methods and checks what the token says.
func TestClientCredentials(t *testing.T) {
	const oddSecret = "s3cret+with:colon%and/slash&more!"
	env := newTestServer(t, func(c *Config) {
		c.Clients = append(c.Clients, Client{ID: "odd job", Secret: oddSecret, GrantTypes: []string{oauthrule.GrantClientCredentials},
			Scopes: []string{"photos.read"}},
			// Registered for both grants with openid: a client token must
			// never carry openid, which names a user (found by openid-client).
			Client{ID: "both-grants", Secret: batchSecret, RedirectURIs: []string{printerRedir},
				GrantTypes: []string{oauthrule.GrantAuthorizationCode, oauthrule.GrantClientCredentials}, Scopes: []string{"openid", "profile", "photos.read"}},
			Client{ID: "openid-only", Secret: batchSecret, RedirectURIs: []string{printerRedir},
				GrantTypes: []string{oauthrule.GrantAuthorizationCode, oauthrule.GrantClientCredentials}, Scopes: []string{"openid"}})
	})
	v, err := token.NewVerifier(token.Config{Issuers: []token.Issuer{{URL: env.ts.URL, Audience: env.ts.URL, Keys: env.srv.KeySet()}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, env.ts.Client())
	tests := []struct {
		name, id, secret string
		style            oauth2.AuthStyle
		scopes           []string
		want             []string
	}{
		{"basic, all scopes", "batch-job", batchSecret, oauth2.AuthStyleInHeader, nil, []string{"photos.read", "photos.write"}},
		{"post, one scope", "batch-job", batchSecret, oauth2.AuthStyleInParams, []string{"photos.write"}, []string{"photos.write"}},
		{"basic with bcrypt secret", "hashed-job", hashedSecret, oauth2.AuthStyleInHeader, nil, []string{"photos.read"}},
		{"basic with bcrypt secret again (cached)", "hashed-job", hashedSecret, oauth2.AuthStyleInHeader, nil, []string{"photos.read"}},
		{"basic, form-encoded id and secret", "odd job", oddSecret, oauth2.AuthStyleInHeader, nil, []string{"photos.read"}},
		{"post, odd secret", "odd job", oddSecret, oauth2.AuthStyleInParams, nil, []string{"photos.read"}},
		{"omitted scope leaves out openid", "both-grants", batchSecret, oauth2.AuthStyleInHeader, nil, []string{"profile", "photos.read"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			conf := clientcredentials.Config{ClientID: tc.id, ClientSecret: tc.secret, Scopes: tc.scopes,
				TokenURL: env.ts.URL + "/oauth2/token", AuthStyle: tc.style}
			tok, err := conf.Token(ctx)
			if err != nil {
				t.Fatalf("Token: %v", err)
			}
			claims, err := v.Verify(ctx, tok.AccessToken)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if claims.Subject != tc.id || claims.ClientID != tc.id || !slices.Equal(claims.Scopes, tc.want) {
				t.Errorf("sub %q client_id %q scope %v, want %q %q %v", claims.Subject, claims.ClientID, claims.Scopes, tc.id, tc.id, tc.want)
			}
		})
	}
	// With openid left out nothing remains: an error, not a scopeless token.
	if res := env.callToken(t, tokenCall{form: url.Values{"grant_type": {"client_credentials"}}, basic: []string{"openid-only", batchSecret}}); res.status != http.StatusBadRequest || res.json["error"] != "invalid_scope" {
		t.Errorf("omitted scope, only openid registered: status %d body %v, want 400 invalid_scope", res.status, res.json)
	}
	// After the bcrypt secret was cached, a wrong one still fails.
	res := env.callToken(t, tokenCall{form: url.Values{"grant_type": {"client_credentials"}}, basic: []string{"hashed-job", hashedSecret + "x"}})
	if res.status != http.StatusUnauthorized {
		t.Errorf("wrong secret after a cached success: status %d, want 401", res.status)
	}
}

// TestTokenEndpointPostOnly: GET is refused by the method pattern.
func TestTokenEndpointPostOnly(t *testing.T) {
	env := newTestServer(t, nil)
	resp, err := env.ts.Client().Get(env.ts.URL + "/oauth2/token?grant_type=client_credentials")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /oauth2/token: status %d, want 405", resp.StatusCode)
	}
}

// TestClientAuthRateLimit: after 20 failures in a minute from one address
// a client's bcrypt secret is no longer checked from there, so guessing
// and burning CPU stop; the real client, elsewhere or with a secret that
// was verified before, is not locked out.
func TestClientAuthRateLimit(t *testing.T) {
	cc := url.Values{"grant_type": {"client_credentials"}}
	failFrom := func(env *testEnv, addr string) {
		for i := 0; i < 20; i++ {
			if res := env.callToken(t, tokenCall{form: cc, basic: []string{"hashed-job", "guess"}, from: addr}); res.status != 401 {
				t.Fatalf("guess %d from %s: status %d, want 401", i, addr, res.status)
			}
		}
	}
	fail := func(env *testEnv) { failFrom(env, "") }
	t.Run("not verified before: locked", func(t *testing.T) {
		env := newTestServer(t, nil)
		fail(env)
		if res := env.callToken(t, tokenCall{form: cc, basic: []string{"hashed-job", hashedSecret}}); res.status != 401 {
			t.Errorf("right secret after 20 failures: status %d, want 401", res.status)
		}
		if env.logs.FilterMessage("client authentication rate limited").Len() == 0 {
			t.Error("the lockout was not logged")
		}
		if res := env.callToken(t, tokenCall{form: cc, basic: []string{"hashed-job", hashedSecret}, from: "127.0.0.9"}); res.status != 200 {
			t.Errorf("right secret from another address: status %d, want 200", res.status)
		}
	})
	t.Run("guessing from many addresses: locked everywhere after 100", func(t *testing.T) {
		env := newTestServer(t, nil)
		for i := range 5 {
			failFrom(env, fmt.Sprintf("127.0.3.%d", i+1))
		}
		if res := env.callToken(t, tokenCall{form: cc, basic: []string{"hashed-job", hashedSecret}, from: "127.0.4.1"}); res.status != 401 {
			t.Errorf("right secret from a fresh address after 100 failures: status %d, want 401", res.status)
		}
	})
	t.Run("verified before: still works", func(t *testing.T) {
		env := newTestServer(t, nil)
		if res := env.callToken(t, tokenCall{form: cc, basic: []string{"hashed-job", hashedSecret}}); res.status != 200 {
			t.Fatalf("first request: status %d", res.status)
		}
		fail(env)
		if res := env.callToken(t, tokenCall{form: cc, basic: []string{"hashed-job", hashedSecret}}); res.status != 200 {
			t.Errorf("verified secret after 20 failures: status %d, want 200", res.status)
		}
	})
}

// TestTokenCORS: browser clients may call the token endpoint from another
// origin (no cookies are involved), and the preflight allows Authorization.
func TestTokenCORS(t *testing.T) {
	env := newTestServer(t, nil)
	req, _ := http.NewRequest(http.MethodOptions, env.ts.URL+"/oauth2/token", nil)
	req.Header.Set("Origin", "https://spa.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := env.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("preflight headers %v, want origin * and Authorization allowed", resp.Header)
	}
	if resp.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Error("credentials must never be allowed cross-origin")
	}
}

// TestCORSExposesChallenge: a browser client on another origin can read
// the WWW-Authenticate challenge of the JSON endpoints (found with
// openid-client in Chromium: the header came back null).
func TestCORSExposesChallenge(t *testing.T) {
	env := newTestServer(t, nil)
	tests := []struct {
		name, method, path, auth, body string
		wantStatus                     int
		wantChallenge                  string // prefix of WWW-Authenticate
	}{
		{"userinfo, no token", http.MethodGet, "/oauth2/userinfo", "", "", 401, "Bearer"},
		{"userinfo, bad token", http.MethodGet, "/oauth2/userinfo", "Bearer abc.def.ghi", "", 401, `Bearer realm="scopegate", error="invalid_token"`},
		{"token, wrong Basic secret", http.MethodPost, "/oauth2/token", "Basic YmF0Y2gtam9iOndyb25n", "grant_type=client_credentials", 401, "Basic"},
		{"metadata", http.MethodGet, "/.well-known/openid-configuration", "", "", 200, ""},
		{"jwks", http.MethodGet, "/oauth2/jwks", "", "", 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, env.ts.URL+tc.path, strings.NewReader(tc.body))
			req.Header.Set("Origin", "https://spa.example")
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := env.ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			h := resp.Header
			if resp.StatusCode != tc.wantStatus || !strings.HasPrefix(h.Get("WWW-Authenticate"), tc.wantChallenge) {
				t.Errorf("status %d WWW-Authenticate %q, want %d %q", resp.StatusCode, h.Get("WWW-Authenticate"), tc.wantStatus, tc.wantChallenge)
			}
			if h.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(h.Get("Access-Control-Expose-Headers"), "WWW-Authenticate") {
				t.Errorf("Allow-Origin %q Expose-Headers %q, want * and WWW-Authenticate exposed",
					h.Get("Access-Control-Allow-Origin"), h.Get("Access-Control-Expose-Headers"))
			}
		})
	}
}
