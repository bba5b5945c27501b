package policy

import (
	"strings"
	"testing"
)

func TestCheckPath(t *testing.T) {
	tests := []struct {
		name string
		path string
		want string // substring of the error; "" means accepted
	}{
		{name: "root", path: "/"},
		{name: "plain", path: "/photos/42"},
		{name: "trailing slash", path: "/photos/"},
		{name: "dots inside names", path: "/photos/a.b/...x/.hidden/x.."},
		{name: "three dots", path: "/photos/..."},
		{name: "encoded space", path: "/photos/a%20b"},
		{name: "encoded utf-8", path: "/photos/%C3%A9t%C3%A9"},
		{name: "raw utf-8", path: "/photos/été"},
		{name: "encoded percent", path: "/photos/100%25"},
		{name: "encoded percent then harmless", path: "/photos/%2541"},
		{name: "sub-delims", path: "/a/b!$&'()*+,=:@~-_"},
		{name: "latin-1 bytes", path: "/photos/%E9t%E9"},
		{name: "latin-1 A grave then letter", path: "/photos/%C0la"},
		{name: "valid 3-byte", path: "/photos/%E2%82%AC"},
		{name: "valid 4-byte", path: "/photos/%F0%9F%93%B7"},
		{name: "raw 4-byte", path: "/photos/\U0001F4F7"},
		{name: "truncated sequence", path: "/photos/%E2%82"},
		{name: "one dot leader in a name", path: "/photos/a\u2024b", want: "normalizes"},

		{name: "empty", path: "", want: "does not start with /"},
		{name: "relative", path: "photos", want: "does not start with /"},
		{name: "asterisk", path: "*", want: "does not start with /"},
		{name: "dot segment", path: "/photos/./42", want: "dot segment"},
		{name: "dot dot segment", path: "/photos/../admin", want: "dot segment"},
		{name: "trailing dot", path: "/photos/.", want: "dot segment"},
		{name: "trailing dot dot", path: "/photos/..", want: "dot segment"},
		{name: "only dot dot", path: "/..", want: "dot segment"},
		{name: "leading double slash", path: "//photos", want: "empty segment"},
		{name: "inner double slash", path: "/photos//42", want: "empty segment"},
		{name: "trailing double slash", path: "/photos//", want: "empty segment"},
		{name: "backslash", path: `/photos\..\admin`, want: "backslash"},
		{name: "encoded backslash", path: "/photos%5C..%5Cadmin", want: "encoded"},
		{name: "encoded backslash lower", path: "/photos%5c", want: "encoded"},
		{name: "encoded slash", path: "/photos%2F42", want: "encoded"},
		{name: "encoded slash lower", path: "/photos%2f42", want: "encoded"},
		{name: "encoded dot", path: "/photos/%2E%2E/admin", want: "encoded"},
		{name: "encoded dot lower", path: "/photos/%2e", want: "encoded"},
		{name: "encoded dot mixed", path: "/photos/.%2e", want: "encoded"},
		{name: "encoded semicolon", path: "/photos%3Bx", want: "encoded"},
		{name: "encoded question mark", path: "/photos%3F", want: "encoded"},
		{name: "encoded hash", path: "/photos%23", want: "encoded"},
		{name: "encoded NUL", path: "/photos%00", want: "encoded"},
		{name: "double-encoded slash", path: "/photos%252F", want: "double-encoded"},
		{name: "double-encoded dot", path: "/%252e%252e/admin", want: "double-encoded"},
		{name: "raw semicolon", path: "/photos;jsessionid=1", want: "semicolon"},
		{name: "raw question mark", path: "/photos?x", want: "raw ? or #"},
		{name: "raw hash", path: "/photos#x", want: "raw ? or #"},
		{name: "raw NUL", path: "/photos\x00", want: "control"},
		{name: "raw newline", path: "/photos\n", want: "control"},
		{name: "raw tab", path: "/photos\t", want: "control"},
		{name: "raw DEL", path: "/photos\x7f", want: "control"},
		{name: "raw space", path: "/photos 42", want: "space"},
		{name: "overlong dot", path: "/photos/%C0%AE%C0%AE/admin", want: "overlong"},
		{name: "overlong dot lower", path: "/photos/%c0%ae", want: "overlong"},
		{name: "overlong slash", path: "/photos/..%c0%afadmin", want: "overlong"},
		{name: "overlong backslash C1", path: "/photos/..%C1%9Cadmin", want: "overlong"},
		{name: "overlong NUL", path: "/photos/%C0%80", want: "overlong"},
		{name: "overlong 3-byte dot", path: "/photos/%E0%80%AE", want: "overlong"},
		{name: "overlong 4-byte slash", path: "/photos/%F0%80%80%AF", want: "overlong"},
		{name: "raw overlong dot", path: "/photos/\xC0\xAE", want: "overlong"},
		{name: "fullwidth full stop", path: "/photos/%EF%BC%8E%EF%BC%8E/admin", want: "normalizes"},
		{name: "fullwidth solidus", path: "/photos%EF%BC%8Fadmin", want: "normalizes"},
		{name: "fullwidth reverse solidus", path: "/photos%EF%BC%BCadmin", want: "normalizes"},
		{name: "one dot leader", path: "/photos/%E2%80%A4%E2%80%A4/admin", want: "normalizes"},
		{name: "two dot leader raw", path: "/photos/\u2025/admin", want: "normalizes"},
		{name: "account of", path: "/photos/%E2%84%80", want: "normalizes"},
		{name: "division slash", path: "/photos%E2%88%95admin", want: "normalizes"},
		{name: "small semicolon", path: "/photos%EF%B9%94x", want: "normalizes"},
		{name: "fullwidth percent", path: "/photos/%EF%BC%852e", want: "normalizes"},
		{name: "greek question mark", path: "/photos%CD%BEx", want: "normalizes"},
		{name: "truncated escape", path: "/photos%2", want: "invalid percent"},
		{name: "lone percent", path: "/photos%", want: "invalid percent"},
		{name: "bad hex", path: "/photos%zz", want: "invalid percent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckPath(tt.path)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("CheckPath(%q) = %v; want accepted", tt.path, err)
			case tt.want != "" && err == nil:
				t.Errorf("CheckPath(%q) = nil; want error containing %q", tt.path, tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Errorf("CheckPath(%q) = %q; want it to contain %q", tt.path, err, tt.want)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "policy: ") {
				t.Errorf("error %q lacks the policy: prefix", err)
			}
			if err != nil && strings.Contains(err.Error(), tt.path) && tt.path != "" {
				t.Errorf("error %q repeats the path; it must be safe to show", err)
			}
		})
	}
}

func TestCheckPathDoesNotAllocate(t *testing.T) {
	for _, p := range []string{"/photos/42", "/photos/a%20b", "/photos/../x", "/photos%2F", "/photos/%C3%A9", "/photos/%EF%BC%8E", "/photos/%C0%AE"} {
		if n := testing.AllocsPerRun(100, func() { _ = CheckPath(p) }); n != 0 {
			t.Errorf("CheckPath(%q) allocates %v times; want 0", p, n)
		}
	}
}
