package policy

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// legacyPolicy has a protected prefix and a public catch-all on one
// upstream, the shape that let /ADMIN/x through (issue 12, finding 6).
const legacyPolicy = `
routes:
  - route: "/admin/"
    upstream: legacy
    scopes: [admin]
  - route: "GET /photos/{id}"
    upstream: legacy
    scopes: [photos.read]
  - route: "/Kitchen/"
    upstream: legacy
    scopes: [admin]
  - route: "/"
    upstream: legacy
    public: true
  - route: "GET /API/Data"
    upstream: strict
    public: true
`

func compileEnv(tb testing.TB, src string, env Env) (*Set, []Diagnostic) {
	tb.Helper()
	var doc struct{ Routes yaml.Node }
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		tb.Fatal(err)
	}
	routes, diags := DecodeRoutes("test.yaml", &doc.Routes)
	if len(diags) > 0 {
		tb.Fatalf("DecodeRoutes: %v", diags)
	}
	return Compile(routes, env)
}

func TestCaseInsensitiveUpstream(t *testing.T) {
	ci, diags := compileEnv(t, legacyPolicy, Env{CaseInsensitive: []string{"legacy"}})
	if diags != nil {
		t.Fatal(diags)
	}
	cs, diags := compileEnv(t, legacyPolicy, Env{})
	if diags != nil {
		t.Fatal(diags)
	}
	tests := []struct {
		method, path string
		want         string // pattern on the case-insensitive upstream
		wantExact    string // pattern when no upstream is case-insensitive
	}{
		{"GET", "/admin/x", "/admin/", "/admin/"},
		{"GET", "/ADMIN/x", "/admin/", "/"},
		{"POST", "/Admin/users", "/admin/", "/"},
		{"GET", "/aDmIn/", "/admin/", "/"},
		{"GET", "/photos/7", "GET /photos/{id}", "GET /photos/{id}"},
		{"GET", "/PHOTOS/7", "GET /photos/{id}", "/"},
		{"GET", "/kitchen/sink", "/Kitchen/", "/"},
		// U+212A KELVIN SIGN folds to k (Unicode simple case folding).
		{"GET", "/%E2%84%AAitchen/sink", "/Kitchen/", "/"},
		{"GET", "/ſtatus", "/", "/"},
		{"GET", "/other", "/", "/"},
		// Routes of the case-sensitive upstream keep exact matching.
		{"GET", "/API/Data", "GET /API/Data", "GET /API/Data"},
		{"GET", "/api/data", "/", "/"},
		// /admin is no route (ServeMux would redirect it to /admin/), so
		// neither is /Admin: it must not fall to the catch-all.
		{"GET", "/admin", "", ""},
		{"GET", "/Admin", "", "/"},
	}
	for _, tc := range tests {
		if got := ci.Match(tc.method, "example.com", tc.path); patternOrEmpty(got) != tc.want {
			t.Errorf("case-insensitive: Match(%s %s) = %s; want route %q", tc.method, tc.path, patternOf(got), tc.want)
		}
		if got := cs.Match(tc.method, "example.com", tc.path); patternOrEmpty(got) != tc.wantExact {
			t.Errorf("case-sensitive: Match(%s %s) = %s; want route %q", tc.method, tc.path, patternOf(got), tc.wantExact)
		}
	}
	d := ci.Decide("GET", "example.com", "/ADMIN/x", nil, false)
	if d.Allow || d.Status != http.StatusUnauthorized {
		t.Errorf("Decide(GET /ADMIN/x) without a token = %d allow=%v; want 401", d.Status, d.Allow)
	}
	for _, r := range ci.Routes() {
		if want := r.Upstream == "legacy"; r.CaseInsensitive != want {
			t.Errorf("route %q: CaseInsensitive = %v; want %v", r.Pattern, r.CaseInsensitive, want)
		}
	}
}

func patternOrEmpty(r *Route) string {
	if r == nil {
		return ""
	}
	return r.Pattern
}

// TestCaseInsensitiveConflicts: routes that only case tells apart cannot
// both stand when case is ignored for one of them.
func TestCaseInsensitiveConflicts(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{
			name: "two case-insensitive routes",
			src:  "routes:\n  - {route: \"GET /Admin\", upstream: legacy, public: true}\n  - {route: \"GET /admin\", upstream: legacy, scopes: [a]}\n",
			want: []string{`test.yaml:3:13: route "GET /admin" conflicts with route "GET /Admin" at test.yaml:2:5 once case is ignored (upstream "legacy" is case_insensitive)`},
		},
		{
			name: "case-sensitive route against a case-insensitive one",
			src:  "routes:\n  - {route: \"/admin/\", upstream: legacy, scopes: [a]}\n  - {route: \"/ADMIN/\", upstream: strict, public: true}\n",
			want: []string{`test.yaml:3:13: route "/ADMIN/" conflicts with route "/admin/" at test.yaml:2:5 once case is ignored (upstream "legacy" is case_insensitive)`},
		},
		{
			name: "two case-sensitive routes are fine",
			src:  "routes:\n  - {route: \"/a/\", upstream: strict, scopes: [a]}\n  - {route: \"/A/\", upstream: strict, public: true}\n  - {route: \"/\", upstream: legacy, public: true}\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := compileEnv(t, tc.src, Env{CaseInsensitive: []string{"legacy"}})
			var got []string
			for _, d := range diags {
				got = append(got, d.String())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Compile diagnostics\n got: %q\nwant: %q", got, tc.want)
			}
		})
	}
}

// FuzzCaseInsensitiveMatch: on a case-insensitive upstream, changing the
// case of a path's letters never changes the route it selects, and so
// never trades a protected route for the public catch-all.
func FuzzCaseInsensitiveMatch(f *testing.F) {
	for _, p := range append(pathSeeds(), "/ADMIN/x", "/Admin/", "/PHOTOS/1", "/kitchen/", "/%E2%84%AAITCHEN/x") {
		f.Add(p)
	}
	set, diags := compileEnv(f, legacyPolicy, Env{CaseInsensitive: []string{"legacy", "strict"}})
	if diags != nil {
		f.Fatal(diags)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if CheckPath(p) != nil {
			return
		}
		for _, variant := range []string{asciiCase(p, true), asciiCase(p, false)} {
			for _, method := range []string{"GET", "POST"} {
				if a, b := set.Match(method, "example.com", p), set.Match(method, "example.com", variant); a != b {
					t.Fatalf("%s %q matched %s but %q matched %s", method, p, patternOf(a), variant, patternOf(b))
				}
			}
		}
	})
}

// asciiCase changes the case of the ASCII letters of p outside
// percent-escapes (whose hex digits already mean the same either way).
func asciiCase(p string, upper bool) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '%' && i+2 < len(p):
			b.WriteString(p[i : i+3])
			i += 2
			continue
		case upper && 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		case !upper && 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}
