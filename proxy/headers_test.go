package proxy_test

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/scopegate/scopegate/proxy"
)

// isIdentityName folds a header name the way permissive backends do.
func isIdentityName(k string) bool {
	f := strings.NewReplacer("-", "", "_", "", ".", "").Replace(strings.ToLower(k))
	return f == "xauthsubject" || f == "xauthclientid" || f == "xauthscope"
}

// TestForgedIdentityNeverReachesBackend sends forged X-Auth-* headers and
// their aliases to every route (threat model B.3) and
// asserts the backend saw only what the gateway set: nothing on public
// routes, exactly the token's identity on protected ones.
func TestForgedIdentityNeverReachesBackend(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.allScopes()
	forged := map[string][]string{
		"X-Auth-Subject":   {"mallory"},
		"x-auth-subject":   {"mallory"},
		"X_Auth_Subject":   {"mallory"},
		"X.Auth.Subject":   {"mallory"},
		"x-AUTH_subject":   {"mallory"},
		"X-Auth-Client-Id": {"evil-client"},
		"X_AUTH_CLIENT_ID": {"evil-client"},
		"X-Auth-Scope":     {"admin"},
		"x.auth.scope":     {"admin"},
		// Listing them as hop-by-hop must not make the proxy delete the
		// values the gateway sets afterwards (B.5).
		"Connection": {"X-Auth-Subject, X-Auth-Client-Id", "x-auth-scope"},
	}
	for _, r := range testRoutes {
		for _, withToken := range []bool{false, true} {
			if !withToken && !r.route.Public {
				continue
			}
			t.Run(r.route.Pattern, func(t *testing.T) {
				hdr := map[string][]string{}
				for k, v := range forged {
					hdr[k] = v
				}
				if withToken {
					hdr["Authorization"] = bearer(tok)
				}
				path := r.path
				if strings.Contains(r.route.Pattern, "photos.example") {
					hdr["Host"] = []string{"photos.example"}
				}
				before := len(e.back.requests())
				res := e.sendWithHost(r.method, path, hdr)
				if res.StatusCode != 200 {
					t.Fatalf("%s %s: status = %d; want 200", r.method, path, res.StatusCode)
				}
				got := e.back.requests()
				if len(got) != before+1 {
					t.Fatalf("backend got %d requests; want 1", len(got)-before)
				}
				want := map[string]string{}
				if !r.route.Public {
					want = map[string]string{"X-Auth-Subject": "alice", "X-Auth-Client-Id": "tokentest-client", "X-Auth-Scope": "photos.read photos.write admin"}
				}
				for k, v := range got[len(got)-1].Header {
					if !isIdentityName(k) {
						continue
					}
					if w, ok := want[k]; !ok || len(v) != 1 || v[0] != w {
						t.Errorf("backend header %s = %q; want %q", k, v, w)
					}
					delete(want, k)
				}
				for k, v := range want {
					t.Errorf("backend header %s missing; want %q", k, v)
				}
			})
		}
	}
}

// sendWithHost is do, but a "Host" entry in hdr sets the request's host.
func (e *env) sendWithHost(method, path string, hdr map[string][]string) *http.Response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.front.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v[0]
			continue
		}
		req.Header[k] = v
	}
	res, err := e.front.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	e.t.Cleanup(func() { res.Body.Close() })
	return res
}

// TestConnectionCannotRemoveAuthorization: a caller listing Authorization
// as hop-by-hop gets no token read from it (B.5), and a caller listing
// forwarding headers cannot strip the ones the gateway sets.
func TestConnectionHeaderTricks(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.token("photos.read")

	res := e.do("GET", "/photos/1", map[string][]string{"Authorization": bearer(tok), "Connection": {"Authorization"}})
	if res.StatusCode != 401 {
		t.Errorf("Authorization listed in Connection: status = %d; want 401", res.StatusCode)
	}

	res = e.do("GET", "/photos/1", map[string][]string{"Authorization": bearer(tok), "Connection": {"X-Forwarded-For, X-Forwarded-Host, X-Custom"}, "X-Custom": {"1"}})
	if res.StatusCode != 200 {
		t.Fatalf("status = %d; want 200", res.StatusCode)
	}
	got := e.back.requests()
	h := got[len(got)-1].Header
	for _, k := range []string{"X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Auth-Subject"} {
		if h.Get(k) == "" {
			t.Errorf("backend header %s missing after Connection trick", k)
		}
	}
	if h.Get("X-Custom") != "" {
		t.Errorf("backend got X-Custom %q; a header listed in Connection must not be forwarded", h.Get("X-Custom"))
	}
}

// TestDuplicateHeadersRejected: ambiguity is refused, never resolved by
// picking one (B.6).
func TestDuplicateHeadersRejected(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.token("photos.read")
	host := e.front.Listener.Addr().String()
	tests := []struct {
		name string
		res  func() *http.Response
	}{
		{"two Authorization headers", func() *http.Response {
			return e.do("GET", "/photos/1", map[string][]string{"Authorization": {"Bearer " + tok, "Bearer " + tok}})
		}},
		{"Authorization twice, raw", func() *http.Response {
			return e.raw(rawGet("/photos/1", host, "Authorization: Bearer "+tok+"\r\n", "Authorization: Bearer x\r\n"))
		}},
		{"two Host headers", func() *http.Response {
			return e.raw(rawGet("/status", host, "Host: admin.example\r\n"))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(e.back.requests())
			res := tc.res()
			if res.StatusCode != 400 {
				t.Errorf("status = %d; want 400", res.StatusCode)
			}
			if n := len(e.back.requests()) - before; n != 0 {
				t.Errorf("backend got %d requests; want 0", n)
			}
		})
	}
}

// TestForwardedHeaders: X-Forwarded-* from an untrusted peer are replaced,
// from a trusted proxy extended (B.4); Forwarded never passes.
func TestForwardedHeaders(t *testing.T) {
	inbound := map[string][]string{
		"X-Forwarded-For":    {"203.0.113.9"},
		"X-Forwarded-Host":   {"evil.example"},
		"X-Forwarded-Proto":  {"https"},
		"X-Forwarded-Prefix": {"/admin"},
		"Forwarded":          {"for=203.0.113.9;host=evil.example"},
		"X_Forwarded_Host":   {"alias.example"},
		"X-Original-URL":     {"/admin/users"},
	}
	tests := []struct {
		name    string
		trusted []netip.Prefix
		want    map[string]string // "" means absent
	}{
		{"untrusted peer", nil, map[string]string{
			"X-Forwarded-For": "127.0.0.1", "X-Forwarded-Proto": "http", "X-Forwarded-Prefix": "", "Forwarded": "",
			"X_Forwarded_Host": "", "X-Original-Url": "",
		}},
		{"trusted peer", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, map[string]string{
			"X-Forwarded-For": "203.0.113.9, 127.0.0.1", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https",
			"X-Forwarded-Prefix": "/admin", "Forwarded": "",
			// Even a trusted proxy's aliases and overrides never pass.
			"X_Forwarded_Host": "", "X-Original-Url": "",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *proxy.Config) { c.TrustedProxies = tc.trusted })
			res := e.do("GET", "/status", inbound)
			if res.StatusCode != 200 {
				t.Fatalf("status = %d; want 200", res.StatusCode)
			}
			h := e.back.requests()[0].Header
			if tc.trusted == nil {
				tc.want["X-Forwarded-Host"] = e.front.Listener.Addr().String()
			}
			for k, w := range tc.want {
				if got := strings.Join(h.Values(k), " | "); got != w {
					t.Errorf("backend %s = %q; want %q", k, got, w)
				}
			}
		})
	}
}

// TestPassAuthorization: the backend sees the bearer token only when its
// upstream says so.
func TestPassAuthorization(t *testing.T) {
	for _, pass := range []bool{false, true} {
		e := newEnv(t, func(c *proxy.Config) {
			u := c.Upstreams["photos"]
			u.PassAuthorization = pass
			c.Upstreams["photos"] = u
		})
		tok := e.token("photos.read")
		if res := e.do("GET", "/photos/1", map[string][]string{"Authorization": bearer(tok)}); res.StatusCode != 200 {
			t.Fatalf("pass=%v: status = %d; want 200", pass, res.StatusCode)
		}
		got := e.back.requests()[0].Header.Get("Authorization")
		want := ""
		if pass {
			want = "Bearer " + tok
		}
		if got != want {
			t.Errorf("pass_authorization=%v: backend Authorization = %q; want %q", pass, got, want)
		}
	}
}
