package proxy_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/scopegate/scopegate/token/tokentest"
)

// TestAuthDecisions is the (token, route) -> (status, WWW-Authenticate)
// table of RFC 6750 §3 and the README's gateway semantics, through real
// HTTP with real signed tokens and the real verifier.
func TestAuthDecisions(t *testing.T) {
	e := newEnv(t, nil)
	now := time.Now()

	expired := e.key.Claims(testIssuer, testAudience, "alice", "photos.read")
	expired.IssuedAt, expired.Expiry = now.Add(-2*time.Hour), now.Add(-time.Hour)
	other := tokentest.NewKey(t)

	toks := map[string]string{
		"valid":    e.token("photos.read"),
		"expired":  e.key.Sign(t, expired),
		"badsig":   other.Sign(t, other.Claims(testIssuer, testAudience, "alice", "photos.read")),
		"wrongiss": e.key.Sign(t, e.key.Claims("https://evil.example", testAudience, "alice", "photos.read")),
		"wrongaud": e.key.Sign(t, e.key.Claims(testIssuer, "other-api", "alice", "photos.read")),
		"idtoken":  e.key.Sign(t, e.key.Claims(testIssuer, testAudience, "alice", "photos.read"), tokentest.WithType("JWT")),
	}
	// The verifier's own refusal text is the error_description we expect.
	invalid := func(name string) string {
		_, err := e.verifier.Verify(context.Background(), toks[name])
		if err == nil {
			t.Fatalf("verifier accepted the %s token", name)
		}
		return `Bearer realm="scopegate", error="invalid_token", error_description="` + err.Error() + `"`
	}
	const plain = `Bearer realm="scopegate"`
	const malformed = `Bearer realm="scopegate", error="invalid_request", error_description="malformed Authorization header"`
	const inQuery = `Bearer realm="scopegate", error="invalid_request", error_description="access tokens are not accepted in the query"`

	tests := []struct {
		name, method, path string
		auth               []string
		wantStatus         int
		wantChallenge      string
		wantForward        bool
	}{
		{"no token", "GET", "/photos/1", nil, 401, plain, false},
		{"malformed: no token after scheme", "GET", "/photos/1", []string{"Bearer"}, 400, malformed, false},
		{"malformed: two words", "GET", "/photos/1", []string{"Bearer a b"}, 400, malformed, false},
		{"malformed: bad character", "GET", "/photos/1", []string{"Bearer a,b"}, 400, malformed, false},
		{"wrong scheme", "GET", "/photos/1", []string{"Basic YWxpY2U6cHc="}, 401, plain, false},
		{"expired", "GET", "/photos/1", bearer(toks["expired"]), 401, invalid("expired"), false},
		{"bad signature", "GET", "/photos/1", bearer(toks["badsig"]), 401, invalid("badsig"), false},
		{"wrong issuer", "GET", "/photos/1", bearer(toks["wrongiss"]), 401, invalid("wrongiss"), false},
		{"wrong audience", "GET", "/photos/1", bearer(toks["wrongaud"]), 401, invalid("wrongaud"), false},
		{"ID token (typ JWT)", "GET", "/photos/1", bearer(toks["idtoken"]), 401, invalid("idtoken"), false},
		{"valid without scope", "GET", "/admin/users", bearer(toks["valid"]), 403, `Bearer realm="scopegate", error="insufficient_scope", scope="admin"`, false},
		{"valid without scope (write)", "POST", "/photos", bearer(toks["valid"]), 403, `Bearer realm="scopegate", error="insufficient_scope", scope="photos.write"`, false},
		{"valid", "GET", "/photos/1", bearer(toks["valid"]), 200, "", true},
		{"valid, lower-case scheme", "GET", "/photos/1", []string{"bearer " + toks["valid"]}, 200, "", true},
		{"public route without token", "GET", "/status", nil, 200, "", true},
		{"public route with a bad token", "GET", "/public/a", bearer("garbage"), 200, "", true},
		{"no route", "GET", "/nowhere", bearer(toks["valid"]), 404, "", false},
		{"method without route", "DELETE", "/photos/1", bearer(toks["valid"]), 404, "", false},
		{"token in query", "GET", "/photos/1?access_token=" + toks["valid"], nil, 400, inQuery, false},
		{"token in query and header", "GET", "/photos/1?access_token=" + toks["valid"], bearer(toks["valid"]), 400, inQuery, false},
		{"token in query, encoded name", "GET", "/photos/1?access%5Ftoken=" + toks["valid"], nil, 400, inQuery, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(e.back.requests())
			var hdr map[string][]string
			if tc.auth != nil {
				hdr = map[string][]string{"Authorization": tc.auth}
			}
			res := e.do(tc.method, tc.path, hdr)
			if res.StatusCode != tc.wantStatus {
				t.Errorf("%s %s: status = %d; want %d", tc.method, tc.path, res.StatusCode, tc.wantStatus)
			}
			if got := res.Header.Values("WWW-Authenticate"); tc.wantChallenge == "" && len(got) != 0 || tc.wantChallenge != "" && (len(got) != 1 || got[0] != tc.wantChallenge) {
				t.Errorf("WWW-Authenticate = %q; want %q", got, tc.wantChallenge)
			}
			forwarded := len(e.back.requests()) > before
			if forwarded != tc.wantForward {
				t.Errorf("forwarded to backend = %v; want %v", forwarded, tc.wantForward)
			}
			if tc.wantStatus >= 400 {
				checkErrorBody(t, res)
			}
		})
	}
}

// TestIdentityHeadersReachBackend checks what an allowed request carries.
func TestIdentityHeadersReachBackend(t *testing.T) {
	e := newEnv(t, nil)
	res := e.do("GET", "/photos/7", map[string][]string{"Authorization": bearer(e.token("photos.read", "profile"))})
	if res.StatusCode != 200 {
		t.Fatalf("status = %d; want 200", res.StatusCode)
	}
	got := e.back.requests()[0].Header
	want := map[string]string{"X-Auth-Subject": "alice", "X-Auth-Client-Id": "tokentest-client", "X-Auth-Scope": "photos.read profile"}
	for k, v := range want {
		if g := got.Values(k); len(g) != 1 || g[0] != v {
			t.Errorf("backend %s = %q; want [%q]", k, g, v)
		}
	}
	if a := got.Get("Authorization"); a != "" {
		t.Errorf("backend saw Authorization %q; want none (pass_authorization off)", a)
	}
}

// TestNoRouteJSON checks the 404 body.
func TestNoRouteJSON(t *testing.T) {
	e := newEnv(t, nil)
	res := e.do("GET", "/nowhere", nil)
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("status = %d; want 404", res.StatusCode)
	}
	if b := checkErrorBody(t, res); b.Error != "not_found" {
		t.Errorf("error = %q; want not_found", b.Error)
	}
}
