package proxy_test

import (
	"bufio"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scopegate/scopegate/policy"
	"github.com/scopegate/scopegate/proxy"
	"github.com/scopegate/scopegate/token/tokentest"
)

// probeRoutes extend testRoutes with a protected host-specific route over a
// public catch-all, so that a host the policy misreads becomes a bypass.
var probeRoutes = []policy.Route{
	{Pattern: "GET /internal/", Upstream: "photos", Public: true},
	{Pattern: "GET api.example/internal/", Upstream: "photos", Scopes: []string{"admin"}},
	{Pattern: "GET /exact/{$}", Upstream: "photos", Public: true},
}

// rawReq joins request-line and header lines with CRLF and ends the head.
func rawReq(lines ...string) string { return strings.Join(lines, "\r\n") + "\r\n\r\n" }

// TestRawProbes is the acceptance probe of the gateway: raw HTTP/1.1 bytes
// over a real TCP connection, one row per bypass class of docs/threat-model.md part
// B and the other tricks proxies have shipped, each with the status the
// caller must get and exactly what the backend may have seen: nothing, or
// one request with this method and request-URI, these headers (values
// exact, "" for absent) and this body. On top of each row, no header that
// folds to an identity, override or aliased forwarding name may reach the
// backend except the identity the gateway set itself.
func TestRawProbes(t *testing.T) {
	e := newEnv(t, func(c *proxy.Config) {
		routes := probeRoutes
		for _, r := range testRoutes {
			routes = append(routes, r.route)
		}
		set, diags := policy.Compile(routes, policy.Env{Upstreams: []string{"photos"}})
		if len(diags) > 0 {
			t.Fatalf("policy.Compile: %v", diags)
		}
		c.Policy = set
	})
	var mu sync.Mutex
	var bodies []string
	e.back.setHandler(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		io.WriteString(w, "ok")
	})

	now := time.Now()
	expired := e.key.Claims(testIssuer, testAudience, "alice", "admin")
	expired.IssuedAt, expired.Expiry = now.Add(-2*time.Hour), now.Add(-time.Hour)
	other := tokentest.NewKey(t)
	adminTok := e.token("admin")
	parts := strings.Split(adminTok, ".")
	b64 := base64.RawURLEncoding.EncodeToString
	algNone := b64([]byte(`{"alg":"none","typ":"at+jwt"}`)) + "." + parts[1] + "."
	host := "Host: " + e.front.Listener.Addr().String()
	sub := strings.NewReplacer(
		"{host}", host,
		"{read}", "Authorization: Bearer "+e.token("photos.read"),
		"{write}", "Authorization: Bearer "+e.token("photos.write"),
		"{admin}", "Authorization: Bearer "+adminTok,
		"{expired}", "Authorization: Bearer "+e.key.Sign(t, expired),
		"{idtoken}", "Authorization: Bearer "+e.key.Sign(t, e.key.Claims(testIssuer, testAudience, "alice", "admin"), tokentest.WithType("JWT")),
		"{otheriss}", "Authorization: Bearer "+e.key.Sign(t, e.key.Claims("https://evil.example", testAudience, "alice", "admin")),
		"{badsig}", "Authorization: Bearer "+other.Sign(t, other.Claims(testIssuer, testAudience, "alice", "admin")),
		"{algnone}", "Authorization: Bearer "+algNone,
		"{token}", adminTok,
	)
	const smuggled = "GET /admin/x HTTP/1.1\r\nHost: a\r\nX-Auth-Subject: root\r\n\r\n"
	// ident is the identity the gateway sets for alice's token with
	// scope, plus more expected headers.
	ident := func(scope string, more ...string) map[string]string {
		m := map[string]string{"X-Auth-Subject": "alice", "X-Auth-Client-Id": "tokentest-client", "X-Auth-Scope": scope}
		for i := 0; i+1 < len(more); i += 2 {
			m[more[i]] = more[i+1]
		}
		return m
	}
	admin, reader := ident("admin"), ident("photos.read")
	noIdentity := map[string]string{"X-Auth-Subject": "", "X-Auth-Client-Id": "", "X-Auth-Scope": ""}

	tests := []struct {
		class, name string
		req         string
		status      int
		saw         string            // "METHOD request-URI", or "" for nothing
		hdr         map[string]string // exact values; "" means absent
		body        string
	}{
		{"baseline", "public", rawReq("GET /public/a HTTP/1.1", "{host}"), 200, "GET /public/a", noIdentity, ""},
		{"baseline", "protected without token", rawReq("GET /admin/x HTTP/1.1", "{host}"), 401, "", nil, ""},
		{"baseline", "protected without scope", rawReq("GET /admin/x HTTP/1.1", "{host}", "{read}"), 403, "", nil, ""},
		{"baseline", "protected with scope", rawReq("GET /admin/x HTTP/1.1", "{host}", "{admin}"), 200, "GET /admin/x", admin, ""},

		// B.1: the path the matcher judges is the path the backend gets.
		{"path", "dot-dot", rawReq("GET /public/../admin/x HTTP/1.1", "{host}"), 400, "", nil, ""},
		{"path", "%2e%2e", rawReq("GET /public/%2e%2e/admin/x HTTP/1.1", "{host}"), 400, "", nil, ""},
		{"path", "%2E%2e", rawReq("GET /public/%2E%2e/admin/x HTTP/1.1", "{host}"), 400, "", nil, ""},
		{"path", ".%2e", rawReq("GET /public/.%2e/admin/x HTTP/1.1", "{host}"), 400, "", nil, ""},
		{"path", "%252e double-encoded", rawReq("GET /public/%252e%252e/admin/x HTTP/1.1", "{host}"), 400, "", nil, ""},
		{"path", "//", rawReq("GET //admin/x HTTP/1.1", "{host}"), 400, "", nil, ""},
		{"path", "%2f", rawReq("GET /public%2f..%2fadmin/x HTTP/1.1", "{host}"), 400, "", nil, ""},
		{"path", "%5c", rawReq("GET /public/..%5cadmin/x HTTP/1.1", "{host}"), 400, "", nil, ""},
		{"path", "raw backslash", rawReq(`GET /public\..\admin/x HTTP/1.1`, "{host}"), 400, "", nil, ""},
		{"path", "tomcat ;", rawReq("GET /admin;x/../public/a HTTP/1.1", "{host}"), 400, "", nil, ""},
		{"path", "%00", rawReq("GET /public/a%00.png HTTP/1.1", "{host}"), 400, "", nil, ""},
		{"path", "%3F", rawReq("GET /public/a%3F/../../admin/x HTTP/1.1", "{host}"), 400, "", nil, ""},
		{"path", "%23", rawReq("GET /public/a%23x HTTP/1.1", "{host}"), 400, "", nil, ""},
		{"path", "raw #", rawReq("GET /public/a#/../../admin/x HTTP/1.1", "{host}"), 400, "", nil, ""},
		{"path", "overlong %c0%ae", rawReq("GET /public/%c0%ae%c0%ae/admin/x HTTP/1.1", "{host}"), 400, "", nil, ""},
		{"path", "overlong %c0%af", rawReq("GET /public/..%c0%afadmin/x HTTP/1.1", "{host}"), 400, "", nil, ""},
		{"path", "raw overlong bytes", rawReq("GET /public/\xc0\xae\xc0\xae/admin/x HTTP/1.1", "{host}"), 400, "", nil, ""},
		{"path", "fullwidth full stop", rawReq("GET /public/%EF%BC%8E%EF%BC%8E/admin/x HTTP/1.1", "{host}"), 400, "", nil, ""},
		{"path", "one dot leader", rawReq("GET /public/%e2%80%a4%e2%80%a4/admin/x HTTP/1.1", "{host}"), 400, "", nil, ""},
		{"path", "fullwidth solidus raw", rawReq("GET /public/a\uff0f..\uff0fadmin HTTP/1.1", "{host}"), 400, "", nil, ""},
		{"path", "utf-8 name forwarded as judged", rawReq("GET /public/caf\u00e9 HTTP/1.1", "{host}"), 200, "GET /public/caf%C3%A9", noIdentity, ""},
		{"path", "escaped unreserved is the same route", rawReq("GET /%61dmin/x HTTP/1.1", "{host}"), 401, "", nil, ""},
		{"path", "case differs: no route", rawReq("GET /ADMIN/x HTTP/1.1", "{host}", "{admin}"), 404, "", nil, ""},
		{"path", "only with trailing slash", rawReq("GET /photos/1/ HTTP/1.1", "{host}", "{read}"), 404, "", nil, ""},
		{"path", "{$} exact", rawReq("GET /exact/ HTTP/1.1", "{host}"), 200, "GET /exact/", noIdentity, ""},
		{"path", "{$} beyond", rawReq("GET /exact/x HTTP/1.1", "{host}"), 404, "", nil, ""},
		{"path", "query never routes", rawReq("GET /public/a?x=/../admin/x HTTP/1.1", "{host}"), 200, "GET /public/a?x=/../admin/x", noIdentity, ""},

		// B.2 and B.6: hosts.
		{"host", "absolute-form, other Host", rawReq("GET http://api.example/internal/a HTTP/1.1", "Host: gw.example"), 400, "", nil, ""},
		{"host", "absolute-form hides protected host", rawReq("GET http://gw.example/internal/a HTTP/1.1", "Host: api.example"), 400, "", nil, ""},
		{"host", "absolute-form, evil", rawReq("GET http://evil/admin/x HTTP/1.1", "{host}", "{admin}"), 400, "", nil, ""},
		{"host", "protected host", rawReq("GET /internal/a HTTP/1.1", "Host: api.example"), 401, "", nil, ""},
		{"host", "upper case", rawReq("GET /internal/a HTTP/1.1", "Host: API.EXAMPLE"), 401, "", nil, ""},
		{"host", "trailing dot", rawReq("GET /internal/a HTTP/1.1", "Host: api.example."), 401, "", nil, ""},
		{"host", "port", rawReq("GET /internal/a HTTP/1.1", "Host: Api.Example.:8443"), 401, "", nil, ""},
		{"host", "two trailing dots", rawReq("GET /internal/a HTTP/1.1", "Host: api.example.."), 400, "", nil, ""},
		{"host", "escaped dot", rawReq("GET /internal/a HTTP/1.1", "Host: api%2eexample"), 400, "", nil, ""},
		{"host", "comma list", rawReq("GET /internal/a HTTP/1.1", "Host: api.example,gw.example"), 400, "", nil, ""},
		{"host", "other host is the public route", rawReq("GET /internal/a HTTP/1.1", "Host: xapi.example"), 200, "GET /internal/a", map[string]string{"X-Forwarded-Host": "xapi.example"}, ""},
		{"host", "two Host headers", rawReq("GET /internal/a HTTP/1.1", "Host: gw.example", "Host: api.example"), 400, "", nil, ""},
		{"host", "missing, HTTP/1.1", rawReq("GET /internal/a HTTP/1.1"), 400, "", nil, ""},
		{"host", "missing, HTTP/1.0", rawReq("GET /internal/a HTTP/1.0"), 400, "", nil, ""},
		{"host", "obs-fold", rawReq("GET /internal/a HTTP/1.1", "Host: gw.example", " api.example"), 400, "", nil, ""},

		// B.3: identity headers and their aliases, public route.
		{"identity", "aliases on a public route", rawReq("GET /public/a HTTP/1.1", "{host}", "X-Auth-Subject: root", "x-auth-subject: root", "X_Auth_Subject: root", "X.Auth.Subject: root", "X-AUTH-SCOPE: admin", "X-Auth-Client-ID: evil"), 200, "GET /public/a", noIdentity, ""},
		{"identity", "aliases on a protected route", rawReq("GET /photos/1 HTTP/1.1", "{host}", "{read}", "X_Auth_Subject: root", "X.Auth.Scope: admin"), 200, "GET /photos/1", reader, ""},
		{"identity", "listed in Connection", rawReq("GET /photos/1 HTTP/1.1", "{host}", "{read}", "Connection: X-Auth-Subject, X-Auth-Scope"), 200, "GET /photos/1", reader, ""},
		{"identity", "Connection lists Authorization", rawReq("GET /admin/x HTTP/1.1", "{host}", "{admin}", "Connection: X-Auth-Subject, Authorization"), 401, "", nil, ""},
		{"identity", "obs-fold stays one value", rawReq("GET /public/a HTTP/1.1", "{host}", "X-Foo: a", " X-Auth-Subject: root"), 200, "GET /public/a", map[string]string{"X-Foo": "a X-Auth-Subject: root", "X-Auth-Subject": ""}, ""},

		// B.4: forwarding and override headers from an untrusted peer.
		{"forwarded", "spoofed set", rawReq("GET /public/a HTTP/1.1", "{host}", "X-Forwarded-For: 10.0.0.1", "X-Forwarded-Host: api.example", "X-Forwarded-Proto: https", "X-Forwarded-Port: 443", "X-Forwarded-Prefix: /admin", "Forwarded: for=1.2.3.4", "X-Real-IP: 1.1.1.1", "X-Forwarded-Ssl: on", "X-Forwarded-Scheme: https", "True-Client-IP: 1.1.1.1", "X-Host: api.example"),
			200, "GET /public/a", map[string]string{"X-Forwarded-For": "127.0.0.1", "X-Forwarded-Proto": "http", "X-Forwarded-Port": "", "X-Forwarded-Prefix": "", "Forwarded": "", "X-Real-Ip": "", "X-Forwarded-Ssl": "", "X-Forwarded-Scheme": "", "True-Client-Ip": "", "X-Host": ""}, ""},
		{"forwarded", "underscore and dot aliases", rawReq("GET /public/a HTTP/1.1", "{host}", "X_Forwarded_Host: api.example", "x.forwarded.proto: https", "X_Forwarded_For: 10.0.0.1", "X_Real_IP: 1.1.1.1"),
			200, "GET /public/a", map[string]string{"X_forwarded_host": "", "X.forwarded.proto": "", "X_forwarded_for": "", "X_real_ip": "", "X-Forwarded-Proto": "http"}, ""},
		{"override", "X-Original-URL and method override", rawReq("GET /public/a HTTP/1.1", "{host}", "X-Original-URL: /admin/x", "X-Rewrite-URL: /admin/x", "X-HTTP-Method-Override: DELETE", "X_HTTP_Method: DELETE", "X-Method-Override: DELETE"),
			200, "GET /public/a", map[string]string{"X-Original-Url": "", "X-Rewrite-Url": "", "X-Http-Method-Override": "", "X_http_method": "", "X-Method-Override": ""}, ""},

		// B.5: hop-by-hop.
		{"hop-by-hop", "close, Keep-Alive", rawReq("GET /public/a HTTP/1.1", "{host}", "Keep-Alive: timeout=5", "Connection: close, Keep-Alive"), 200, "GET /public/a", map[string]string{"Keep-Alive": "", "Connection": ""}, ""},
		{"hop-by-hop", "Te and Trailer", rawReq("GET /public/a HTTP/1.1", "{host}", "TE: trailers, deflate", "Trailer: X-Auth-Subject"), 200, "GET /public/a", map[string]string{"Te": "trailers", "Trailer": ""}, ""},
		{"hop-by-hop", "Proxy-Authorization", rawReq("GET /public/a HTTP/1.1", "{host}", "Proxy-Authorization: Basic eA=="), 200, "GET /public/a", map[string]string{"Proxy-Authorization": ""}, ""},

		// B.6 and RFC 6750: the token.
		{"authorization", "two headers", rawReq("GET /admin/x HTTP/1.1", "{host}", "{admin}", "{read}"), 400, "", nil, ""},
		{"authorization", "Basic then Bearer", rawReq("GET /admin/x HTTP/1.1", "{host}", "Authorization: Basic eA==", "{admin}"), 400, "", nil, ""},
		{"authorization", "bearer lower case", rawReq("GET /admin/x HTTP/1.1", "{host}", "Authorization: bearer {token}"), 200, "GET /admin/x", admin, ""},
		{"authorization", "BEARER, extra spaces", rawReq("GET /admin/x HTTP/1.1", "{host}", "Authorization:   BEARER   {token}  "), 200, "GET /admin/x", admin, ""},
		{"authorization", "tab after scheme", rawReq("GET /admin/x HTTP/1.1", "{host}", "Authorization: Bearer\t{token}"), 401, "", nil, ""},
		{"authorization", "two tokens in one", rawReq("GET /admin/x HTTP/1.1", "{host}", "Authorization: Bearer {token}, Bearer {token}"), 400, "", nil, ""},
		{"authorization", "access_token in query", rawReq("GET /admin/x?access_token={token} HTTP/1.1", "{host}"), 400, "", nil, ""},
		{"authorization", "access_token after ;", rawReq("GET /admin/x?a=1;access_token={token} HTTP/1.1", "{host}", "{admin}"), 400, "", nil, ""},
		{"authorization", "access_token encoded name", rawReq("GET /admin/x?access%5Ftoken={token} HTTP/1.1", "{host}", "{admin}"), 400, "", nil, ""},
		{"authorization", "token never forwarded", rawReq("GET /admin/x HTTP/1.1", "{host}", "{admin}"), 200, "GET /admin/x", ident("admin", "Authorization", ""), ""},

		// B.7 and B.8: tokens that must not pass.
		{"token", "expired", rawReq("GET /admin/x HTTP/1.1", "{host}", "{expired}"), 401, "", nil, ""},
		{"token", "ID token (typ JWT)", rawReq("GET /admin/x HTTP/1.1", "{host}", "{idtoken}"), 401, "", nil, ""},
		{"token", "other issuer", rawReq("GET /admin/x HTTP/1.1", "{host}", "{otheriss}"), 401, "", nil, ""},
		{"token", "unknown key", rawReq("GET /admin/x HTTP/1.1", "{host}", "{badsig}"), 401, "", nil, ""},
		{"token", "alg none", rawReq("GET /admin/x HTTP/1.1", "{host}", "{algnone}"), 401, "", nil, ""},

		// Request smuggling shapes: the backend sees at most the one
		// request the gateway judged, never the smuggled one.
		{"smuggling", "TE chunked + CL", rawReq("POST /photos HTTP/1.1", "{host}", "{write}", "Content-Length: 4", "Transfer-Encoding: chunked") + "0\r\n\r\n" + smuggled, 200, "POST /photos", ident("photos.write", "Content-Length", ""), ""},
		{"smuggling", "TE xchunked", rawReq("POST /photos HTTP/1.1", "{host}", "{write}", "Content-Length: 5", "Transfer-Encoding: xchunked") + "0\r\n\r\n" + smuggled, 501, "", nil, ""},
		{"smuggling", "TE chunked, identity", rawReq("POST /photos HTTP/1.1", "{host}", "{write}", "Transfer-Encoding: chunked, identity") + "0\r\n\r\n" + smuggled, 501, "", nil, ""},
		{"smuggling", "TE with space before colon", rawReq("POST /photos HTTP/1.1", "{host}", "{write}", "Transfer-Encoding : chunked", "Content-Length: 5") + "0\r\n\r\n" + smuggled, 400, "", nil, ""},
		{"smuggling", "two different CL", rawReq("POST /photos HTTP/1.1", "{host}", "{write}", "Content-Length: 5", "Content-Length: 6") + "abcdef", 400, "", nil, ""},
		{"smuggling", "bad chunk size, no token", rawReq("POST /photos HTTP/1.1", "{host}", "Transfer-Encoding: chunked") + "zz\r\n" + smuggled, 401, "", nil, ""},
		{"smuggling", "chunked trailer spoof", rawReq("POST /photos HTTP/1.1", "{host}", "{write}", "Transfer-Encoding: chunked") + "3\r\nabc\r\n0\r\nX-Auth-Subject: root\r\n\r\n", 200, "POST /photos", ident("photos.write"), "abc"},
		{"smuggling", "bare LF", "GET /admin/x HTTP/1.1\nHost: a\n\n", 401, "", nil, ""},
		{"smuggling", "bare CR", rawReq("GET /public/a HTTP/1.1", "{host}", "X-A: b\rX-Auth-Subject: root"), 400, "", nil, ""},
		{"expect", "100-continue without token", rawReq("POST /photos HTTP/1.1", "{host}", "Expect: 100-continue", "Content-Length: 5"), 401, "", nil, ""},
		{"expect", "100-continue without scope", rawReq("POST /photos HTTP/1.1", "{host}", "{read}", "Expect: 100-continue", "Content-Length: 5"), 403, "", nil, ""},

		// Upgrades: WebSocket only, and only once judged.
		{"upgrade", "websocket without token", rawReq("GET /ws HTTP/1.1", "{host}", "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"), 401, "", nil, ""},
		{"upgrade", "h2c without token", rawReq("GET /ws HTTP/1.1", "{host}", "Upgrade: h2c", "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA", "Connection: Upgrade, HTTP2-Settings"), 401, "", nil, ""},
		{"upgrade", "h2c on a public route is dropped", rawReq("GET /public/a HTTP/1.1", "{host}", "Upgrade: h2c", "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA", "Connection: Upgrade, HTTP2-Settings"), 200, "GET /public/a", map[string]string{"Upgrade": "", "Connection": "", "Http2-Settings": ""}, ""},
		{"upgrade", "h2c with a token is dropped", rawReq("GET /photos/1 HTTP/1.1", "{host}", "{read}", "Upgrade: h2c", "Connection: Upgrade"), 200, "GET /photos/1", ident("photos.read", "Upgrade", "", "Connection", ""), ""},
		{"upgrade", "Upgrade without Connection", rawReq("GET /public/a HTTP/1.1", "{host}", "Upgrade: websocket"), 200, "GET /public/a", map[string]string{"Upgrade": ""}, ""},
		{"upgrade", "prior-knowledge HTTP/2", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400, "", nil, ""},

		// Methods.
		{"method", "lower-case get", rawReq("get /public/a HTTP/1.1", "{host}"), 404, "", nil, ""},
		{"method", "HEAD on a GET route, no token", rawReq("HEAD /admin/x HTTP/1.1", "{host}"), 401, "", nil, ""},
		{"method", "HEAD on a GET route", rawReq("HEAD /photos/1 HTTP/1.1", "{host}", "{read}"), 200, "HEAD /photos/1", reader, ""},
		{"method", "OPTIONS", rawReq("OPTIONS /admin/x HTTP/1.1", "{host}"), 404, "", nil, ""},
		{"method", "TRACE", rawReq("TRACE /public/a HTTP/1.1", "{host}"), 404, "", nil, ""},
		{"method", "CONNECT authority", rawReq("CONNECT 127.0.0.1:1 HTTP/1.1", "Host: 127.0.0.1:1"), 400, "", nil, ""},
		{"method", "CONNECT path", rawReq("CONNECT /public/a HTTP/1.1", "{host}"), 404, "", nil, ""},
		{"method", "POST to a GET route", rawReq("POST /public/a HTTP/1.1", "{host}", "Content-Length: 0"), 404, "", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.class+"/"+tc.name, func(t *testing.T) {
			raw := sub.Replace(tc.req)
			mu.Lock()
			nb := len(bodies)
			mu.Unlock()
			before := len(e.back.requests())
			status := probe(t, e.front.Listener.Addr().String(), raw, tc.class == "smuggling")
			if status != tc.status {
				t.Errorf("status = %d; want %d", status, tc.status)
			}
			got := e.back.requests()[before:]
			if tc.saw == "" {
				if len(got) != 0 {
					t.Fatalf("backend saw %d requests (%s %s); want none", len(got), got[0].Method, got[0].RequestURI)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("backend saw %d requests; want exactly %q", len(got), tc.saw)
			}
			s := got[0]
			if m := s.Method + " " + s.RequestURI; m != tc.saw {
				t.Errorf("backend saw %q; want %q", m, tc.saw)
			}
			for k, want := range tc.hdr {
				if v := strings.Join(s.Header[k], " | "); v != want {
					t.Errorf("backend header %s = %q; want %q", k, v, want)
				}
			}
			for k := range s.Header {
				if isProbeForbidden(k) && tc.hdr[k] == "" {
					t.Errorf("backend got header %s = %q; no caller copy may pass", k, s.Header[k])
				}
			}
			mu.Lock()
			body := bodies[nb]
			mu.Unlock()
			if body != tc.body {
				t.Errorf("backend body = %q; want %q", body, tc.body)
			}
		})
	}
}

// isProbeForbidden reports header names no caller copy of which may
// reach a backend: identity and override headers in any spelling, and
// aliases of forwarding headers (the canonical ones are checked by value).
func isProbeForbidden(k string) bool {
	f := strings.NewReplacer("-", "", "_", "", ".", "").Replace(strings.ToLower(k))
	switch f {
	case "xauthsubject", "xauthclientid", "xauthscope", "xoriginalurl", "xrewriteurl", "xhttpmethodoverride", "xhttpmethod", "xmethodoverride":
		return true
	}
	return strings.ContainsAny(k, "_.") && (strings.HasPrefix(f, "xforwarded") || f == "xrealip" || f == "forwarded")
}

// probe writes raw to addr and returns the status of the first final
// response (a 100 Continue is skipped), or 0 when the connection closed
// without one. With drain, it then reads whatever else comes back for a
// moment, so that a smuggled second request, were it ever parsed, has
// reached the backend before the caller counts.
func probe(t *testing.T, addr, raw string, drain bool) int {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatalf("write: %v", err)
	}
	br := bufio.NewReader(conn)
	method, _, _ := strings.Cut(raw, " ")
	for {
		res, err := http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			return 0
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusContinue {
			if !drain {
				return res.StatusCode
			}
			conn.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
			for {
				if _, err := http.ReadResponse(br, nil); err != nil {
					break
				}
			}
			return res.StatusCode
		}
	}
}
