package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scopegate/scopegate/config"
	"github.com/scopegate/scopegate/token"
	"github.com/scopegate/scopegate/token/tokentest"
)

// agreeConfig has a route of every kind explain must judge like the
// gateway. %s: store path, issuer, trusted issuer, upstream URL.
const agreeConfig = `store: {dsn: %q}
authserver:
  issuer: %q
  scopes:
    photos.read: See photos
    photos.write: Change photos
    admin: Administer
    files.read: Read files
  resources:
    photos:
      scopes: [photos.read]
      list: {upstream: api, path: /photos, items: photos, id: id, label: title}
gateway:
  trusted_issuers:
    - {issuer: %q, audience: agree-api}
  upstreams:
    api: {url: %q}
    legacy: {url: %[4]q, case_insensitive: true}
  routes:
    - {route: "GET /status", upstream: api, public: true}
    - route: "GET /photos/{id}"
      upstream: api
      scopes: [photos.read]
      resource: {type: photos, id: "{id}"}
    - route: "GET /photos"
      upstream: api
      scopes: [photos.read]
      filter: {type: photos, items: photos, id: id}
    - {route: "POST /photos", upstream: api, scopes: [photos.write]}
    - route: "GET /users/{user}/albums"
      upstream: api
      scopes: [photos.read]
      owner: "{user}"
    - {route: "GET /admin/", upstream: api, scopes: [admin]}
    - {route: "GET /files/", upstream: legacy, scopes: [files.read]}
    - {route: "GET /gallery/", upstream: api, login: browser}
`

// TestExplainAgreesWithGateway: for a table of requests, explain's verdict
// is the answer of the gateway that serve runs on the same config, called
// over HTTP with a real signed token: the same status, and the upstream
// reached exactly when explain says it would be. Each token is judged by
// explain twice: as --token (signature skipped) and, when it could be, as
// the hypothetical caller --sub/--scopes/--items describe.
func TestExplainAgreesWithGateway(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	back := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path == "/photos" {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"photos":[{"id":"1"},{"id":"2"},{"id":"3"}]}`)
			return
		}
		io.WriteString(w, "ok")
	}))
	t.Cleanup(back.Close)
	idp := tokentest.NewIssuer(t)
	front := httptest.NewUnstartedServer(nil)
	issuer := "http://" + front.Listener.Addr().String()
	yaml := fmt.Sprintf(agreeConfig, t.TempDir()+"/db", issuer, idp.URL, back.URL)
	_, f := serveApp(t, front, "agree.yaml", yaml)

	// tok describes a token of the trusted issuer; nil means none.
	type tok struct {
		sub    string
		scopes []string
		items  []string // picked photos; nil: no authorization_details
		change func(*token.Claims)
		typ    string // the JWS typ, when not at+jwt
	}
	html := []string{"Accept: text/html"}
	tests := []struct {
		name         string
		method, path string
		tok          *tok
		hdr          []string
		want         int
	}{
		{"public route", "GET", "/status", nil, nil, 200},
		{"no token", "GET", "/photos/1", nil, nil, 401},
		{"wrong scope", "POST", "/photos", &tok{sub: "alice", scopes: []string{"photos.read"}}, nil, 403},
		{"right scope", "POST", "/photos", &tok{sub: "alice", scopes: []string{"photos.write"}}, nil, 200},
		{"resource route, picked", "GET", "/photos/3", &tok{sub: "alice", scopes: []string{"photos.read"}, items: []string{"1", "3"}}, nil, 200},
		{"resource route, not picked", "GET", "/photos/2", &tok{sub: "alice", scopes: []string{"photos.read"}, items: []string{"1", "3"}}, nil, 403},
		{"resource route, no pick", "GET", "/photos/2", &tok{sub: "alice", scopes: []string{"photos.read"}}, nil, 403},
		{"filter route, picked", "GET", "/photos", &tok{sub: "alice", scopes: []string{"photos.read"}, items: []string{"1"}}, nil, 200},
		{"owner route, own", "GET", "/users/alice/albums", &tok{sub: "alice", scopes: []string{"photos.read"}}, nil, 200},
		{"owner route, another's", "GET", "/users/bob/albums", &tok{sub: "alice", scopes: []string{"photos.read"}}, nil, 403},
		{"case_insensitive upstream, no token", "GET", "/FILES/report", nil, nil, 401},
		{"case_insensitive upstream, token", "GET", "/FILES/report", &tok{sub: "alice", scopes: []string{"files.read"}}, nil, 200},
		{"/admin with admin", "GET", "/admin/users", &tok{sub: "alice", scopes: []string{"admin"}}, nil, 200},
		{"/ADMIN with admin (case-sensitive upstream)", "GET", "/ADMIN/users", &tok{sub: "alice", scopes: []string{"admin"}}, nil, 404},
		{"/admin without token", "GET", "/admin/users", nil, nil, 401},
		{"ambiguous Authorization", "GET", "/photos/1", &tok{sub: "alice", scopes: []string{"photos.read"}, items: []string{"1"}},
			[]string{"Authorization: Bearer another"}, 400},
		{"access_token in query", "GET", "/photos/1?access_token=x", &tok{sub: "alice", scopes: []string{"photos.read"}, items: []string{"1"}}, nil, 400},
		{"ambiguous path", "GET", "/photos/%2E%2E/status", nil, nil, 400},
		{"browser route, no session, HTML", "GET", "/gallery/", nil, html, 303},
		{"browser route, no session, script", "GET", "/gallery/", nil, nil, 401},
		{"browser route, token", "GET", "/gallery/", &tok{sub: "alice"}, html, 200},
		{"expired token", "GET", "/status", &tok{sub: "alice", change: func(c *token.Claims) { c.Expiry = time.Now().Add(-time.Hour) }}, nil, 200},
		{"expired token, protected", "GET", "/admin/x", &tok{sub: "alice", scopes: []string{"admin"},
			change: func(c *token.Claims) { c.Expiry = time.Now().Add(-time.Hour) }}, nil, 401},
		{"wrong audience", "GET", "/admin/x", &tok{sub: "alice", scopes: []string{"admin"},
			change: func(c *token.Claims) { c.Audience = []string{"elsewhere"} }}, nil, 401},
		{"a host the server does not answer for", "GET", "http://evil.example/status", nil, nil, 421},
		{"ID token", "GET", "/admin/x", &tok{sub: "alice", scopes: []string{"admin"}, typ: "JWT"}, nil, 401},
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hdr := tc.hdr
			raw := ""
			var c caller
			if tc.tok != nil {
				claims := idp.Claims("agree-api", tc.tok.sub, tc.tok.scopes...)
				if tc.tok.items != nil {
					claims.AuthorizationDetails = []token.AuthorizationDetail{{Type: "photos", Identifiers: tc.tok.items}}
				}
				if tc.tok.change != nil {
					tc.tok.change(&claims)
				}
				var opts []tokentest.Option
				if tc.tok.typ != "" {
					opts = append(opts, tokentest.WithType(tc.tok.typ))
				}
				raw = idp.Sign(t, claims, opts...)
				c = caller{token: raw}
			}

			target, err := url.Parse(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			req, err := http.NewRequest(tc.method, front.URL+target.RequestURI(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if target.Host != "" {
				req.Host = target.Host
			}
			if raw != "" {
				req.Header.Add("Authorization", "Bearer "+raw)
			}
			for _, h := range hdr {
				k, v, _ := strings.Cut(h, ": ")
				req.Header.Add(k, v)
			}
			before := hits.Load()
			res, err := noFollow.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			reached := hits.Load() > before
			if res.StatusCode != tc.want {
				t.Fatalf("the gateway answered %d, want %d: the table is wrong", res.StatusCode, tc.want)
			}

			callers := []caller{c}
			if tc.tok != nil && tc.tok.change == nil && tc.tok.typ == "" {
				h := caller{sub: tc.tok.sub, scopes: tc.tok.scopes}
				if tc.tok.items != nil {
					h.details = []token.AuthorizationDetail{{Type: "photos", Identifiers: tc.tok.items}}
				}
				if h.scopes == nil && h.details == nil {
					h.scopes = []string{} // --sub alone is still a token
				}
				callers = append(callers, h)
			}
			for _, c := range callers {
				status, forwards, out := explainVerdict(t, f, tc.method, tc.path, hdr, c)
				if status != res.StatusCode || forwards != reached {
					t.Errorf("explain (token %v) says %d, upstream reached %v; the gateway answered %d, upstream reached %v\n%s",
						c.token != "", status, forwards, res.StatusCode, reached, out)
				}
			}
		})
	}
}

var decisionLine = regexp.MustCompile(`(?m)^decision: (ALLOW|DENY) \((\d+)`)

// explainVerdict runs explain and returns the status it reports, whether
// it says an upstream gets the request, and its output.
func explainVerdict(t *testing.T, f *config.File, method, path string, hdr []string, c caller) (int, bool, string) {
	t.Helper()
	u, err := url.Parse(path)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := explain(&out, f, method, u, hdr, c, time.Now()); err != nil {
		t.Fatalf("explain: %v", err)
	}
	m := decisionLine.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("explain printed no decision:\n%s", out.String())
	}
	status, _ := strconv.Atoi(m[2])
	return status, strings.Contains(out.String(), "\nupstream: "), out.String()
}
