package policy

import (
	"slices"
	"sync"
	"testing"
)

func TestMatch(t *testing.T) {
	set := mustCompile(t, photoPolicy)
	tests := []struct {
		name, method, host, path string
		want                     string // pattern; "" means no match
	}{
		{name: "wildcard", method: "GET", host: "example.com", path: "/photos/1", want: "GET /photos/{id}"},
		{name: "literal beats wildcard", method: "GET", host: "example.com", path: "/photos/shared", want: "GET /photos/shared"},
		{name: "HEAD uses GET route", method: "HEAD", host: "example.com", path: "/photos/1", want: "GET /photos/{id}"},
		{name: "method-less route for other methods", method: "PATCH", host: "example.com", path: "/photos/1", want: "/photos/{id}"},
		{name: "wrong method is no match", method: "DELETE", host: "example.com", path: "/status"},
		{name: "host route", method: "GET", host: "admin.example.com", path: "/photos/1", want: "GET admin.example.com/photos/{id}"},
		{name: "host case", method: "GET", host: "Admin.Example.COM", path: "/photos/1", want: "GET admin.example.com/photos/{id}"},
		{name: "host port", method: "GET", host: "admin.example.com:8080", path: "/photos/1", want: "GET admin.example.com/photos/{id}"},
		{name: "host trailing dot", method: "GET", host: "admin.example.com.:443", path: "/photos/1", want: "GET admin.example.com/photos/{id}"},
		{name: "other host falls back", method: "GET", host: "admin.example.org", path: "/photos/1", want: "GET /photos/{id}"},
		{name: "ipv6 host", method: "GET", host: "[::1]:8080", path: "/photos/1", want: "GET /photos/{id}"},
		{name: "rest wildcard", method: "GET", host: "h", path: "/files/a/b", want: "GET /files/{rest...}"},
		{name: "dollar", method: "GET", host: "h", path: "/files/", want: "GET /files/{$}"},
		{name: "no redirect to trailing slash", method: "GET", host: "h", path: "/files"},
		{name: "subtree", method: "DELETE", host: "h", path: "/api/x/y", want: "/api/"},
		{name: "escaped segment", method: "GET", host: "h", path: "/photos/a%20b", want: "GET /photos/{id}"},
		{name: "escaped literal", method: "GET", host: "h", path: "/photos/%73hared", want: "GET /photos/shared"},
		{name: "unclean path is no match", method: "GET", host: "h", path: "/status/../photos/1"},
		{name: "double slash is no match", method: "GET", host: "h", path: "//status"},
		{name: "empty path", method: "GET", host: "h", path: ""},
		{name: "bad escape", method: "GET", host: "h", path: "/photos/%zz"},
		{name: "unknown path", method: "GET", host: "h", path: "/albums"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if r := set.Match(tt.method, tt.host, tt.path); r != nil {
				got = r.Pattern
			}
			if got != tt.want {
				t.Errorf("Match(%q, %q, %q) = %q; want %q", tt.method, tt.host, tt.path, got, tt.want)
			}
		})
	}
}

func TestNilSet(t *testing.T) {
	var set *Set
	if r := set.Match("GET", "h", "/"); r != nil {
		t.Errorf("nil Set matched %q", r.Pattern)
	}
	if d := set.Decide("GET", "h", "/", nil, true); d.Allow || d.Status != 404 {
		t.Errorf("nil Set decided %+v; want 404 deny", d)
	}
	if got := set.Routes(); got != nil {
		t.Errorf("nil Set Routes() = %v; want nil", got)
	}
}

func TestDecideMissing(t *testing.T) {
	set := mustCompile(t, photoPolicy)
	d := set.Decide("POST", "h", "/photos", []string{"photos.read", "other"}, true)
	if d.Status != 403 || d.Allow {
		t.Fatalf("got status %d allow %v; want 403 deny", d.Status, d.Allow)
	}
	if !slices.Equal(d.Missing, []string{"photos.write"}) {
		t.Errorf("got Missing %v; want [photos.write]", d.Missing)
	}
	if d.Route == nil || d.Route.Pattern != "POST /photos" {
		t.Errorf("got Route %v; want POST /photos", d.Route)
	}
}

func TestRouteMissing(t *testing.T) {
	r := &Route{Scopes: []string{"photos.read", "photos.write"}}
	tests := []struct {
		name   string
		scopes []string
		want   []string
	}{
		{name: "all present", scopes: []string{"photos.write", "x", "photos.read"}},
		{name: "none", want: []string{"photos.read", "photos.write"}},
		{name: "one missing", scopes: []string{"photos.read"}, want: []string{"photos.write"}},
		{name: "case matters", scopes: []string{"Photos.Read", "photos.write"}, want: []string{"photos.read"}},
		{name: "no prefix match", scopes: []string{"photos", "photos.read.all", "photos.write"}, want: []string{"photos.read"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.Missing(tt.scopes)
			if !slices.Equal(got, tt.want) || (tt.want == nil) != (got == nil) {
				t.Errorf("Missing(%q) = %q; want %q", tt.scopes, got, tt.want)
			}
		})
	}
	have := []string{"photos.read", "photos.write"}
	if n := testing.AllocsPerRun(100, func() { _ = r.Missing(have) }); n != 0 {
		t.Errorf("Missing allocates %v times when nothing is missing; want 0", n)
	}
}

func TestMatchAllocations(t *testing.T) {
	set := mustCompile(t, photoPolicy)
	tests := []struct {
		name, path string
		max        float64
	}{
		{name: "literal", path: "/photos/shared", max: 0},
		{name: "wildcard", path: "/photos/42", max: 1},
		// ServeMux probes path+"/" for subtree and catch-all matches, to
		// offer a redirect; that costs a few allocations on misses.
		{name: "miss", path: "/albums/1", max: 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := testing.AllocsPerRun(200, func() { set.Match("GET", "example.com:8080", tt.path) })
			if n > tt.max {
				t.Errorf("Match(%q) allocates %v times; want at most %v", tt.path, n, tt.max)
			}
		})
	}
}

// TestSetConcurrentUse matches from many goroutines at once; run with -race.
func TestSetConcurrentUse(t *testing.T) {
	set := mustCompile(t, photoPolicy)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				path, want := "/photos/shared", "GET /photos/shared"
				if (g+i)%2 == 0 {
					path, want = "/files/a/b", "GET /files/{rest...}"
				}
				if r := set.Match("GET", "h", path); r == nil || r.Pattern != want {
					t.Errorf("Match(%q) = %v; want %q", path, r, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestRoutesAndScopesAreCopies(t *testing.T) {
	set := mustCompile(t, photoPolicy)
	rs := set.Routes()
	if len(rs) != 9 {
		t.Fatalf("got %d routes; want 9", len(rs))
	}
	rs[0].Pattern = "changed"
	if got := set.Routes()[0].Pattern; got != "GET /photos/{id}" {
		t.Errorf("Routes()[0].Pattern = %q after changing a copy", got)
	}
	want := []string{"admin", "files.read", "photos.read", "photos.write"}
	if got := set.Scopes(); !slices.Equal(got, want) {
		t.Errorf("Scopes() = %q; want %q", got, want)
	}
}

func TestCompileLeavesNothingHalfApplied(t *testing.T) {
	routes := []Route{
		{Pattern: "GET /a", Upstream: "u", Public: true},
		{Pattern: "GET /b", Upstream: "missing", Public: true},
	}
	set, diags := Compile(routes, Env{Upstreams: []string{"u"}})
	if set != nil {
		t.Errorf("got a Set despite %d diagnostics; want nil", len(diags))
	}
	if len(diags) != 1 {
		t.Errorf("got diagnostics %v; want one", diags)
	}
}

func TestSetOwnsItsRoutes(t *testing.T) {
	routes := []Route{{Pattern: "GET /a", Upstream: "u", Scopes: []string{"photos.read"}}}
	set, diags := Compile(routes, Env{})
	if diags != nil {
		t.Fatal(diags)
	}
	routes[0].Scopes[0] = "nothing"
	routes[0].Pattern = "GET /b"
	d := set.Decide("GET", "h", "/a", []string{"nothing"}, true)
	if d.Status != 403 {
		t.Errorf("after the caller changed its routes, got status %d; want 403 (the Set keeps photos.read)", d.Status)
	}
}
