package proxy_test

import (
	"net/http"
	"net/url"
	"testing"
)

// TestIdentityValuesEncoded (issue 12, finding 8): identity values from
// tokens with commas, spaces, quotes, control, bidi, full-width or other
// non-ASCII characters reach the backend percent-encoded (one value per
// header, nothing a list parser splits, nothing that renders as another
// name), and percent-decoding gives the token's value back. Plain values
// pass unchanged.
func TestIdentityValuesEncoded(t *testing.T) {
	tests := []struct {
		name, sub, clientID string
		scopes              []string
		wantSub, wantClient string
		wantScope           string
	}{
		{name: "plain", sub: "company-a:auth0|1234", clientID: "photo-printer", scopes: []string{"photos.read", "a:b/c"},
			wantSub: "company-a:auth0|1234", wantClient: "photo-printer", wantScope: "photos.read a:b/c"},
		{name: "comma", sub: "alice,admin", clientID: "x;y", scopes: []string{"photos.read", "a,b"},
			wantSub: "alice%2Cadmin", wantClient: "x%3By", wantScope: "photos.read a%2Cb"},
		{name: "spaces and controls", sub: " alice\r\nX-Auth-Subject: root", clientID: "tab\there", scopes: []string{"photos.read"},
			wantSub: "%20alice%0D%0AX-Auth-Subject:%20root", wantClient: "tab%09here", wantScope: "photos.read"},
		{name: "bidi override", sub: "alice\u202etxt.exe", clientID: "c", scopes: []string{"photos.read"},
			wantSub: "alice%E2%80%AEtxt.exe", wantClient: "c", wantScope: "photos.read"},
		{name: "full-width and accents", sub: "ａｌｉｃｅ", clientID: "José", scopes: []string{"photos.read"},
			wantSub: "%EF%BD%81%EF%BD%8C%EF%BD%89%EF%BD%83%EF%BD%85", wantClient: "Jos%C3%A9", wantScope: "photos.read"},
		{name: "percent and quotes", sub: `50%"off"\`, clientID: "c", scopes: []string{`photos.read`, `100%`},
			wantSub: "50%25%22off%22%5C", wantClient: "c", wantScope: "photos.read 100%25"},
	}
	e := newEnv(t, nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			claims := e.key.Claims(testIssuer, testAudience, tc.sub, tc.scopes...)
			claims.ClientID = tc.clientID
			before := len(e.back.requests())
			res := e.do("GET", "/photos/7", map[string][]string{"Authorization": bearer(e.key.Sign(t, claims))})
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status = %d; want 200", res.StatusCode)
			}
			got := e.back.requests()[before].Header
			for _, c := range []struct{ name, want, orig string }{
				{"X-Auth-Subject", tc.wantSub, tc.sub},
				{"X-Auth-Client-Id", tc.wantClient, tc.clientID},
			} {
				if g := got.Values(c.name); len(g) != 1 || g[0] != c.want {
					t.Errorf("backend %s = %q; want [%q]", c.name, g, c.want)
					continue
				}
				if dec, err := url.PathUnescape(got.Get(c.name)); err != nil || dec != c.orig {
					t.Errorf("%s %q decodes to %q, %v; want %q", c.name, got.Get(c.name), dec, err, c.orig)
				}
			}
			if g := got.Values("X-Auth-Scope"); len(g) != 1 || g[0] != tc.wantScope {
				t.Errorf("backend X-Auth-Scope = %q; want [%q]", g, tc.wantScope)
			}
		})
	}
}
