package proxy_test

import (
	"testing"

	"github.com/scopegate/scopegate/proxy"
)

// TestAmbiguousPathsRejected sends paths that a matcher and a backend
// could read differently (threat model B.1). Each must be 400 and never
// forwarded, whatever route its cleaned form would reach. The token holds
// every scope, so only the path check can stop them.
func TestAmbiguousPathsRejected(t *testing.T) {
	e := newEnv(t, nil)
	host := e.front.Listener.Addr().String()
	auth := "Authorization: Bearer " + e.allScopes() + "\r\n"
	paths := []struct{ name, path string }{
		{"dot-dot", "/public/../admin/users"},
		{"dot", "/public/./logo.png"},
		{"encoded dot-dot", "/public/%2e%2e/admin/users"},
		{"encoded dot-dot upper", "/public/%2E%2E/admin/users"},
		{"half-encoded dot-dot", "/public/.%2e/admin/users"},
		{"double-encoded dot-dot", "/public/%252e%252e/admin/users"},
		{"encoded slash", "/admin%2Fusers"},
		{"encoded slash lower", "/public%2f..%2fadmin/users"},
		{"double slash at start", "//admin/users"},
		{"double slash inside", "/public//logo.png"},
		{"backslash", "/public/..\\admin/users"},
		{"encoded backslash", "/public/..%5Cadmin/users"},
		{"raw semicolon", "/public/logo.png;jsessionid=x"},
		{"encoded semicolon", "/public/logo.png%3Bx"},
		{"encoded question mark", "/public/logo.png%3F/../../admin"},
		{"encoded hash", "/public/logo.png%23x"},
		{"raw hash", "/public/logo.png#frag"},
		{"encoded NUL", "/public/logo.png%00.txt"},
		{"bad escape", "/public/%zz"},
		{"no leading slash", "public/logo.png"},
		{"asterisk", "*"},
	}
	for _, tc := range paths {
		t.Run(tc.name, func(t *testing.T) {
			before := len(e.back.requests())
			res := e.raw(rawGet(tc.path, host, auth))
			if res.StatusCode != 400 {
				t.Errorf("GET %s: status = %d; want 400", tc.path, res.StatusCode)
			}
			if n := len(e.back.requests()) - before; n != 0 {
				t.Errorf("GET %s: backend got %d requests; want 0", tc.path, n)
			}
		})
	}
}

// TestPathForwardedExactly: the backend receives the escaped path the
// policy judged, byte for byte, and the query untouched; a base path on
// the upstream URL is prefixed once, with a single slash.
func TestPathForwardedExactly(t *testing.T) {
	tests := []struct {
		name, base, path, want string
	}{
		{"plain", "", "/photos/1?size=large", "/photos/1?size=large"},
		{"escaped kept", "", "/photos/caf%C3%A9%20x?x=%2F", "/photos/caf%C3%A9%20x?x=%2F"},
		{"needless escape kept", "", "/photos/%41", "/photos/%41"},
		{"root base", "/", "/photos/1", "/photos/1"},
		{"base path", "/legacy", "/photos/1", "/legacy/photos/1"},
		{"base path with slash", "/legacy/", "/photos/a%20b", "/legacy/photos/a%20b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *proxy.Config) {
				u := c.Upstreams["photos"]
				u.URL.Path = tc.base
				c.Upstreams["photos"] = u
			})
			res := e.raw(rawGet(tc.path, e.front.Listener.Addr().String(), "Authorization: Bearer "+e.token("photos.read")+"\r\n"))
			if res.StatusCode != 200 {
				t.Fatalf("status = %d; want 200", res.StatusCode)
			}
			if got := e.back.requests()[0].RequestURI; got != tc.want {
				t.Errorf("backend RequestURI = %q; want %q", got, tc.want)
			}
		})
	}
}

// TestHostMatching: hosts compare case-insensitively, without a trailing
// dot and without the port (B.2); another host does not match.
func TestHostMatching(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		host string
		want int
	}{
		{"photos.example", 200},
		{"PHOTOS.Example", 200},
		{"photos.example.", 200},
		{"photos.example:8443", 200},
		{"evil.example", 404},
		{"photos.example.evil.example", 404},
	}
	for _, tc := range tests {
		t.Run(tc.host, func(t *testing.T) {
			res := e.sendWithHost("GET", "/host-only", map[string][]string{"Host": {tc.host}})
			if res.StatusCode != tc.want {
				t.Errorf("Host %q: status = %d; want %d", tc.host, res.StatusCode, tc.want)
			}
		})
	}
}
