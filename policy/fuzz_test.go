package policy

import (
	"bufio"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// pathSeeds are request paths worth starting from: clean ones, each kind
// of ambiguity CheckPath must refuse, and escapes it must allow.
func pathSeeds() []string {
	return []string{
		"/", "/photos/42", "/photos/shared", "/photos/%73hared", "/files/", "/files",
		"/files/a/b/c.jpg", "/api/x/", "/status", "/status/", "/photos/a%20b",
		"/photos/../status", "/photos/%2e%2e/status", "/photos/%2E.", "//status",
		"/photos%2F42", "/photos%5c42", `/photos\42`, "/photos;x", "/photos%3Bx",
		"/photos%00", "/photos/%252F", "/photos/%25", "/photos/%", "/photos/%zz",
		"/photos/été", "/photos/%C3%A9", "/a/./b", "/a/.", "/..", "/.%2e/", "/%2e",
		"/photos?x", "/photos#x", "/photos\x00", "/ photos", "*", "",
	}
}

// FuzzCheckPathMatch checks the promise of threat model B.1: a path
// CheckPath accepts is already clean once unescaped, and its raw and
// cleaned forms choose the same route, which is also the route a real
// ServeMux chooses for a request parsed off the wire.
func FuzzCheckPathMatch(f *testing.F) {
	for _, p := range pathSeeds() {
		f.Add(p)
	}
	set := mustCompile(f, photoPolicy)
	oracle := http.NewServeMux()
	for i, r := range set.Routes() {
		oracle.Handle(r.Pattern, routeHandler(i))
	}
	f.Fuzz(func(t *testing.T, p string) {
		d := set.Decide("GET", "example.com", p, []string{"photos.read"}, true)
		if CheckPath(p) != nil {
			if d.Status != http.StatusBadRequest || d.Route != nil || d.Allow {
				t.Fatalf("rejected path %q decided %d allow=%v; want 400 deny", p, d.Status, d.Allow)
			}
			return
		}
		unescaped, err := url.PathUnescape(p)
		if err != nil {
			t.Fatalf("accepted path %q does not unescape: %v", p, err)
		}
		cleaned := cleanKeepSlash(unescaped)
		if cleaned != unescaped {
			t.Fatalf("accepted path %q unescapes to %q, which cleans to %q", p, unescaped, cleaned)
		}
		reescaped := (&url.URL{Path: cleaned}).EscapedPath()
		for _, method := range []string{"GET", "HEAD", "POST", "DELETE"} {
			raw, clean := set.Match(method, "example.com", p), set.Match(method, "example.com", reescaped)
			if raw != clean {
				t.Fatalf("%s %q matched %s but its cleaned form %q matched %s", method, p, patternOf(raw), reescaped, patternOf(clean))
			}
			if want, ok := oracleMatch(oracle, set, method, p); ok && raw != want {
				t.Fatalf("%s %q matched %s; a real ServeMux chose %s", method, p, patternOf(raw), patternOf(want))
			}
		}
	})
}

// cleanKeepSlash is path.Clean that keeps a trailing slash, as ServeMux
// does when it cleans request paths.
func cleanKeepSlash(p string) string {
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c
}

// oracleMatch asks a plain ServeMux about a request read off the wire.
// ok is false when Go's HTTP parser refuses the request line.
func oracleMatch(oracle *http.ServeMux, set *Set, method, p string) (*Route, bool) {
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(method + " " + p + " HTTP/1.1\r\nHost: example.com\r\n\r\n")))
	if err != nil || req.URL.EscapedPath() != p {
		return nil, false
	}
	h, _ := oracle.Handler(req)
	i, ok := h.(routeHandler)
	if !ok {
		return nil, true
	}
	return &set.routes[i], true
}

func patternOf(r *Route) string {
	if r == nil {
		return "no route"
	}
	return "route " + r.Pattern
}

// FuzzDecodeRoutes feeds arbitrary YAML to DecodeRoutes and Compile: they
// never panic, every diagnostic has a position, and Compile returns a Set
// exactly when it reports nothing.
func FuzzDecodeRoutes(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.golden")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		input, _, _ := strings.Cut(string(b), "\n----\n")
		f.Add(input)
	}
	f.Add(photoPolicy)
	f.Add("routes: [{route: 'GET /x', upstream: u, scopes: &s [a]}, {route: 'GET /y', upstream: u, scopes: *s}]")
	f.Add("routes: 7")
	f.Add("routes:\n  - null\n  - [1, 2]\n  - {? [a]: b}\n")
	f.Fuzz(func(t *testing.T, src string) {
		var doc yaml.Node
		if yaml.Unmarshal([]byte(src), &doc) != nil || len(doc.Content) == 0 {
			return
		}
		seq := doc.Content[0]
		if seq.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(seq.Content); i += 2 {
				if seq.Content[i].Value == "routes" {
					seq = seq.Content[i+1]
				}
			}
		}
		routes, diags := DecodeRoutes("f.yaml", seq)
		for _, d := range diags {
			if d.Pos.File != "f.yaml" || d.Pos.Line < 1 || d.Message == "" {
				t.Fatalf("diagnostic without position or message: %q", d)
			}
		}
		set, cdiags := Compile(routes, Env{})
		if (set == nil) != (len(cdiags) > 0) {
			t.Fatalf("Compile returned Set %v with %d diagnostics", set != nil, len(cdiags))
		}
		for _, r := range set.Routes() {
			// A login: browser route with no scope still needs a signed-in user.
			if !r.Public && len(r.Scopes) == 0 && r.Login != LoginBrowser {
				t.Fatalf("compiled route %q is open without public: true", r.Pattern)
			}
		}
	})
}
