package proxy

import (
	"net/url"
	"strings"
	"testing"
)

// The return path comes from the request being served, never from a
// parameter, and is sealed in the sign-in cookie; this check is the last
// line that keeps a Location header on our own origin.
func TestSafeReturnPath(t *testing.T) {
	for _, tc := range []struct {
		p  string
		ok bool
	}{
		{"/", true},
		{"/gallery/", true},
		{"/gallery/2024/?sort=date&q=a%2Fb", true},
		{"/gallery/?next=//evil.example", true}, // only the path decides where the browser goes
		{"/gallery/%E2%9C%93", true},
		{"", false},
		{"gallery", false},
		{"//evil.example", false},
		{"//evil.example/gallery", false},
		{"/\\evil.example", false},
		{"\\\\evil.example", false},
		{"/gallery\\..\\admin", false},
		{"/%2F%2Fevil.example", false},
		{"/%2f%2fevil.example", false},
		{"/%5Cevil.example", false},
		{"/%5cevil.example", false},
		{"/%252F%252Fevil.example", false},
		{"https://evil.example/", false},
		{"http:/evil.example", false},
		{"javascript:alert(1)", false},
		{"/a/../../evil", false},
		{"/a/./b", false},
		{"/a//b", false},
		{"/gallery/\r\nSet-Cookie: x=1", false},
		{"/gallery/%0d%0aSet-Cookie:%20x=1", false},
		{"/gallery/\n", false},
		{"/gallery/\t/evil", false},
		{"/\t/evil.example", false},
		{"/ /evil.example", false},
		{"/gallery/#frag", false},
		{"/gallery/?a=\x00", false},
		{"/gallery/?a=\u00e9", false},
		{"/@evil.example", true}, // a path segment, not user information
		{"/" + strings.Repeat("a", maxReturnPath), false},
	} {
		if got := safeReturnPath(tc.p); got != tc.ok {
			t.Errorf("safeReturnPath(%q) = %v, want %v", tc.p, got, tc.ok)
		}
	}
}

func TestReturnPathFallsBack(t *testing.T) {
	for _, tc := range []struct{ path, query, want string }{
		{"/gallery/", "x=1", "/gallery/?x=1"},
		{"/gallery/", "", "/gallery/"},
		{"/gallery/", "a=\x7f", "/gallery/"},
		{"/gallery/", strings.Repeat("a", maxReturnPath), "/gallery/"},
		{"//evil.example", "", "/"},
	} {
		if got := returnPath(tc.path, tc.query); got != tc.want {
			t.Errorf("returnPath(%q, %q) = %q, want %q", tc.path, tc.query, got, tc.want)
		}
	}
}

// FuzzSafeReturnPath checks that whatever the check accepts, a browser
// resolving it against our origin stays on our origin, on a path.
func FuzzSafeReturnPath(f *testing.F) {
	for _, s := range []string{"/", "/gallery/?x=1", "//evil", "/\\evil", "/%2F%2Fevil", "/a/../b", "/?a=b#c", "/\t/x", "/@x"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://photos.example/gallery/")
	f.Fuzz(func(t *testing.T, p string) {
		if !safeReturnPath(p) {
			return
		}
		// Browsers drop tabs and newlines and read "\" as "/" (WHATWG URL
		// §4.4); the check must have refused anything that would change.
		norm := strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(p)
		if norm != p {
			t.Fatalf("accepted %q, which a browser reads as %q", p, norm)
		}
		u, err := base.Parse(p)
		if err != nil {
			t.Fatalf("accepted %q, which does not parse: %v", p, err)
		}
		if u.Scheme != "https" || u.Host != "photos.example" || u.User != nil {
			t.Fatalf("accepted %q, which leaves the origin: %s", p, u)
		}
		if strings.ContainsAny(p, "\r\n") || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
			t.Fatalf("accepted %q", p)
		}
		if dec, err := url.PathUnescape(u.EscapedPath()); err == nil && strings.HasPrefix(dec, "//") {
			t.Fatalf("accepted %q, whose path decodes to %q", p, dec)
		}
	})
}
