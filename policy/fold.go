package policy

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Case-insensitive upstreams. Many backends (IIS, anything on a
// case-insensitive file system, routers configured to ignore case) serve
// /ADMIN/x as /admin/x, while ServeMux compares paths byte by byte: a
// public catch-all would take /ADMIN/x past a protected /admin/ route
// (threat model B.1: the route must be chosen from the path as the
// backend reads it). Routes of an upstream marked case-insensitive are
// therefore also matched on a second ServeMux that holds every route's
// pattern with its literal path segments case-folded, looked up with the
// case-folded request path; when that lookup picks a case-insensitive
// route, it wins. Folding follows Unicode simple case folding (the
// relation strings.EqualFold uses), so "ſ" and "K" (Kelvin sign) fold
// like "s" and "k".

// foldRune maps r to one representative of its simple case-folding orbit
// (the smallest rune in it), so that runes equal under folding map alike.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	return least
}

// foldString case-folds s rune by rune; invalid UTF-8 bytes are kept.
func foldString(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteByte(s[i])
		} else {
			b.WriteRune(foldRune(r))
		}
		i += size
	}
	return b.String()
}

// foldPattern case-folds the literal segments of a pattern's path; the
// method, the host (already compared without case) and wildcards keep
// their spelling, so wildcard names stay as written.
func foldPattern(pat string) string {
	method, host, path, ok := splitPattern(normalizePattern(pat))
	if !ok {
		return pat
	}
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if !strings.HasPrefix(s, "{") {
			segs[i] = foldString(s)
		}
	}
	out := host + strings.Join(segs, "/")
	if method != "" {
		out = method + " " + out
	}
	return out
}

// compileFolded builds the case-folded mux when some route's upstream is
// case-insensitive, or returns nil. Case-insensitive routes go in first;
// one that conflicts, once folded, with any other route is an error,
// since no order between the two could be right. Other routes go in only
// to outrank less specific case-insensitive ones; two of them that fold
// to the same pattern are both exact, so the first stands for both.
func (c *compiler) compileFolded(routes []Route) *http.ServeMux {
	var fold, exact []int
	for i := range routes {
		if slices.Contains(c.env.CaseInsensitive, routes[i].Upstream) {
			routes[i].CaseInsensitive = true
			fold = append(fold, i)
		} else {
			exact = append(exact, i)
		}
	}
	if len(fold) == 0 {
		return nil
	}
	mux := http.NewServeMux()
	for k, i := range fold {
		r := &routes[i]
		if register(mux, foldPattern(r.Pattern), routeHandler(i)) == nil {
			continue
		}
		if j := firstFoldedConflict(routes, fold[:k], r); j >= 0 {
			c.errorf(patternPos(r), "route %q conflicts with route %q at %s once case is ignored (upstream %q is case_insensitive)",
				r.Pattern, routes[j].Pattern, routes[j].Pos, r.Upstream)
		}
	}
	for _, i := range exact {
		r := &routes[i]
		if j := firstFoldedConflict(routes, fold, r); j >= 0 {
			c.errorf(patternPos(r), "route %q conflicts with route %q at %s once case is ignored (upstream %q is case_insensitive)",
				r.Pattern, routes[j].Pattern, routes[j].Pos, routes[j].Upstream)
			continue
		}
		_ = register(mux, foldPattern(r.Pattern), routeHandler(i))
	}
	_ = register(mux, "/", routeHandler(noRoute))
	return mux
}

// firstFoldedConflict is firstConflict on folded patterns.
func firstFoldedConflict(routes []Route, among []int, r *Route) int {
	pat := foldPattern(r.Pattern)
	for _, j := range among {
		mux := http.NewServeMux()
		if register(mux, foldPattern(routes[j].Pattern), routeHandler(0)) != nil {
			continue
		}
		if register(mux, pat, routeHandler(1)) != nil {
			return j
		}
	}
	return -1
}

func patternPos(r *Route) Position {
	if r.PatternPos == (Position{}) {
		return r.Pos
	}
	return r.PatternPos
}

// matchFolded looks the case-folded path up on the folded mux. decided is
// true when that settles the match: it picked a case-insensitive route
// (i), or it would redirect, as ServeMux does from /admin to /admin/,
// which is no route (i is -1): /Admin must not reach a catch-all when
// /admin cannot. path passed CheckPath, so unescaping cannot create or
// remove a "/".
func (s *Set) matchFolded(method, host, path string) (i int, decided bool) {
	if strings.IndexByte(path, '%') >= 0 {
		p, err := url.PathUnescape(path)
		if err != nil {
			return -1, true
		}
		path = p
	}
	req := s.reqs.Get().(*http.Request)
	defer s.reqs.Put(req)
	req.Method, req.Host = method, normalizeHost(host)
	*req.URL = url.URL{Path: foldString(path)}
	h, _ := s.folded.Handler(req)
	r, ok := h.(routeHandler)
	switch {
	case !ok:
		return -1, true
	case r == noRoute || !s.routes[r].CaseInsensitive:
		return -1, false
	}
	return int(r), true
}
