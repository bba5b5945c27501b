package policy

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// Set is a compiled policy: the routes and the ServeMux that chooses among
// them. It is immutable and safe for concurrent use; the gateway swaps
// whole Sets on reload. Build one with [Compile].
type Set struct {
	routes  []Route
	scopes  []string // every scope some route requires, sorted
	reasons []string // per route, the Decide reason when it allows
	mux     *http.ServeMux
	// folded matches case-folded paths; nil unless some route is
	// case-insensitive (see fold.go).
	folded *http.ServeMux
	// reqs holds synthetic requests for ServeMux.Handler, so that Match
	// does not allocate one per call.
	reqs sync.Pool
}

func newSet(routes []Route, mux *http.ServeMux) *Set {
	s := &Set{routes: slices.Clone(routes), mux: mux}
	s.reqs.New = func() any { return &http.Request{URL: new(url.URL)} }
	for i := range s.routes {
		r := &s.routes[i]
		// Own the slices too, so a caller reusing its Routes cannot
		// change a Set that is already serving.
		r.Scopes, r.ScopesPos = slices.Clone(r.Scopes), slices.Clone(r.ScopesPos)
		s.scopes = append(s.scopes, r.Scopes...)
		s.reasons = append(s.reasons, allowReason(r))
	}
	slices.Sort(s.scopes)
	s.scopes = slices.Compact(s.scopes)
	return s
}

// Routes returns the routes in the order they were written. The slice is a
// copy; the Routes' own slices must not be modified.
func (s *Set) Routes() []Route {
	if s == nil {
		return nil
	}
	return slices.Clone(s.routes)
}

// Scopes returns every scope some route requires, sorted, without
// duplicates. The slice is a copy.
func (s *Set) Scopes() []string {
	if s == nil {
		return nil
	}
	return slices.Clone(s.scopes)
}

// Match returns the route a request selects under ServeMux precedence, or
// nil. path is the request's escaped path, already accepted by
// [CheckPath]; a path CheckPath would reject never matches. host may carry
// a port; it is compared without the port, without a trailing dot and
// case-insensitively. GET routes also match HEAD. A path that some route
// matches only with another method is no match. The returned Route belongs
// to the Set and must not be modified.
func (s *Set) Match(method, host, path string) *Route {
	if i := s.match(method, host, path); i >= 0 {
		return &s.routes[i]
	}
	return nil
}

// match returns the index of the matching route, or -1.
func (s *Set) match(method, host, path string) int {
	if s == nil || path == "" || path[0] != '/' {
		return -1
	}
	req := s.reqs.Get().(*http.Request)
	req.Method, req.Host = method, normalizeHost(host)
	*req.URL = url.URL{Path: path}
	if strings.IndexByte(path, '%') >= 0 {
		// ServeMux reads URL.EscapedPath, which returns RawPath only when
		// it is a valid encoding of Path.
		unescaped, err := url.PathUnescape(path)
		if err != nil {
			s.reqs.Put(req)
			return -1
		}
		req.URL.Path, req.URL.RawPath = unescaped, path
	}
	h, _ := s.mux.Handler(req)
	s.reqs.Put(req)
	if s.folded != nil {
		if j, decided := s.matchFolded(method, host, path); decided {
			return j
		}
	}
	// Anything but our own handler is ServeMux's not-found, method-not-
	// allowed or redirect (for unclean paths and /tree -> /tree/): no match.
	i, ok := h.(routeHandler)
	if !ok || i == noRoute {
		return -1
	}
	return int(i)
}
