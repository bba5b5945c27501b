package proxy_test

import (
	"net/http"
	"testing"

	"github.com/scopegate/scopegate/policy"
	"github.com/scopegate/scopegate/proxy"
)

// TestCaseInsensitiveUpstreamThroughGateway (issue 12, finding 6): with a
// protected /admin/ and a public catch-all on a backend that ignores case,
// /ADMIN/x without a token is refused at the gateway and never reaches the
// backend once the upstream is case_insensitive; without the setting it
// falls through to the public route, which is what check warns about.
func TestCaseInsensitiveUpstreamThroughGateway(t *testing.T) {
	routes := []policy.Route{
		{Pattern: "/admin/", Upstream: "legacy", Scopes: []string{"admin"}},
		{Pattern: "/", Upstream: "legacy", Public: true},
	}
	for _, tc := range []struct {
		name string
		ci   []string
		want int
	}{
		{"case_insensitive", []string{"legacy"}, http.StatusUnauthorized},
		{"case-sensitive", nil, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set, diags := policy.Compile(routes, policy.Env{Upstreams: []string{"legacy"}, CaseInsensitive: tc.ci})
			if diags != nil {
				t.Fatal(diags)
			}
			e := newEnv(t, func(c *proxy.Config) {
				c.Policy = set
				c.Upstreams = map[string]proxy.Upstream{"legacy": c.Upstreams["photos"]}
			})
			for _, path := range []string{"/ADMIN/users", "/Admin/users", "/admin/users"} {
				before := len(e.back.requests())
				res := e.do("GET", path, nil)
				want := tc.want
				if path == "/admin/users" {
					want = http.StatusUnauthorized
				}
				if res.StatusCode != want {
					t.Errorf("GET %s without a token: status %d, want %d", path, res.StatusCode, want)
				}
				if reached := len(e.back.requests()) > before; reached != (want == http.StatusOK) {
					t.Errorf("GET %s: backend reached = %v", path, reached)
				}
			}
			res := e.do("GET", "/ADMIN/users", map[string][]string{"Authorization": bearer(e.token("admin"))})
			if res.StatusCode != http.StatusOK {
				t.Errorf("GET /ADMIN/users with an admin token: status %d, want 200", res.StatusCode)
			}
		})
	}
}
