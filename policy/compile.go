package policy

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/scopegate/scopegate/oauthrule"
)

// routeHandler marks a ServeMux entry as the route with this index in
// Set.routes; Match recognises its own entries by this type.
type routeHandler int

func (routeHandler) ServeHTTP(http.ResponseWriter, *http.Request) {}

// Compile checks routes against env and against each other and builds the
// [Set] that matches requests. It reports invalid patterns, routes that can
// never match, unknown upstreams, undeclared scopes (unless env.Scopes is
// nil), malformed or duplicate scopes, routes neither public nor scoped,
// and pairs of routes that conflict under ServeMux rules (each conflict at
// the later route, naming the earlier one). Unless env.Upstreams is nil,
// every upstream must be declared. On any diagnostic the Set is nil:
// nothing is half-applied. Diagnostics are sorted by position.
func Compile(routes []Route, env Env) (*Set, []Diagnostic) {
	if err := checkServeMuxMode(); err != nil {
		return nil, []Diagnostic{{Message: err.Error()}}
	}
	c := compiler{env: env, mux: http.NewServeMux()}
	routes = slices.Clone(routes) // checkItems fills in fields
	for i := range routes {
		c.add(routes, i)
	}
	if len(c.diags) > 0 {
		sortDiagnostics(c.diags)
		return nil, c.diags
	}
	folded := c.compileFolded(routes)
	if len(c.diags) > 0 {
		sortDiagnostics(c.diags)
		return nil, c.diags
	}
	// A catch-all entry turns a miss into a plain lookup: without it
	// ServeMux searches every method to tell 404 from 405, allocating on
	// each miss. "/" is the least specific pattern, so it never shadows a
	// route; if a route already is "/", registration fails and that is fine.
	_ = register(c.mux, "/", routeHandler(noRoute))
	set := newSet(routes, c.mux)
	set.folded = folded
	return set, nil
}

// noRoute marks the catch-all entry that means "no route".
const noRoute = -1

type compiler struct {
	env     Env
	mux     *http.ServeMux
	valid   []int // routes with valid patterns, in order
	skipped []int // routes that conflicted, so are missing from mux
	diags   []Diagnostic
}

func (c *compiler) errorf(p Position, format string, args ...any) {
	c.diags = append(c.diags, Diagnostic{Pos: p, Message: fmt.Sprintf(format, args...)})
}

// add checks route i and registers it on the mux when its pattern is valid.
func (c *compiler) add(routes []Route, i int) {
	r := &routes[i]
	c.diags = append(c.diags, checkAccess(r)...)
	c.checkUpstream(r)
	c.checkScopes(r)
	patPos := r.PatternPos
	if patPos == (Position{}) {
		patPos = r.Pos
	}
	if err := validPattern(r.Pattern); err != nil {
		c.errorf(patPos, "invalid route pattern %q: %v", r.Pattern, err)
		return
	}
	if probs := checkPatternParts(r.Pattern); len(probs) > 0 {
		for _, p := range probs {
			c.errorf(patPos, "route %q: %s", r.Pattern, p)
		}
		return
	}
	c.checkItems(r)
	// The main mux only holds routes that registered cleanly, so a route
	// that conflicts with one left out is found pairwise, the same way as
	// the earliest route behind a failed registration.
	err := register(c.mux, normalizePattern(r.Pattern), routeHandler(i))
	if err == nil && len(c.skipped) == 0 {
		c.valid = append(c.valid, i)
		return
	}
	switch j := firstConflict(routes, c.valid, r); {
	case j >= 0:
		c.errorf(patPos, "route %q conflicts with route %q at %s", r.Pattern, routes[j].Pattern, routes[j].Pos)
		c.skipped = append(c.skipped, i)
	case err != nil: // not expected; never let a route silently drop out
		c.errorf(patPos, "route %q cannot be registered: %v", r.Pattern, err)
		c.skipped = append(c.skipped, i)
	}
	c.valid = append(c.valid, i)
}

func (c *compiler) checkUpstream(r *Route) {
	if c.env.Upstreams == nil || slices.Contains(c.env.Upstreams, r.Upstream) {
		return
	}
	if s := Suggest(r.Upstream, c.env.Upstreams); s != "" {
		c.errorf(r.UpstreamPos, "unknown upstream %q (did you mean %q?)", r.Upstream, s)
		return
	}
	c.errorf(r.UpstreamPos, "unknown upstream %q", r.Upstream)
}

func (c *compiler) checkScopes(r *Route) {
	for k, s := range r.Scopes {
		at := r.Pos
		if k < len(r.ScopesPos) {
			at = r.ScopesPos[k]
		}
		switch {
		case !oauthrule.ValidScopeToken(s):
			c.errorf(at, "invalid scope %q: a scope is a non-empty word of printable ASCII without spaces, quotes or backslashes", s)
		case slices.Contains(r.Scopes[:k], s):
			c.errorf(at, "duplicate scope %q in route", s)
		case c.env.Scopes != nil && !slices.Contains(c.env.Scopes, s):
			if sug := Suggest(s, c.env.Scopes); sug != "" {
				c.errorf(at, "undeclared scope %q (did you mean %q?)", s, sug)
			} else {
				c.errorf(at, "undeclared scope %q", s)
			}
		}
	}
}

// register adds pattern to mux, turning ServeMux's panic on an invalid or
// conflicting pattern into an error.
func register(mux *http.ServeMux, pattern string, h http.Handler) (err error) {
	defer func() {
		if p := recover(); p != nil {
			if e, ok := p.(error); ok {
				err = e
			} else {
				err = fmt.Errorf("%v", p)
			}
		}
	}()
	mux.Handle(pattern, h)
	return nil
}

// validPattern checks a pattern alone, on a fresh mux, and returns the
// cause without ServeMux's `parsing "...":` prefix.
func validPattern(pattern string) error {
	if strings.TrimSpace(pattern) == "" {
		return errors.New("empty pattern")
	}
	err := register(http.NewServeMux(), normalizePattern(pattern), routeHandler(0))
	if err == nil {
		return nil
	}
	if inner := errors.Unwrap(err); inner != nil {
		return inner
	}
	return err
}

// firstConflict returns the index of the first route among earlier (all
// with valid patterns) whose pattern conflicts with r's, or -1.
func firstConflict(routes []Route, earlier []int, r *Route) int {
	pat := normalizePattern(r.Pattern)
	for _, j := range earlier {
		mux := http.NewServeMux()
		if register(mux, normalizePattern(routes[j].Pattern), routeHandler(0)) != nil {
			continue
		}
		if register(mux, pat, routeHandler(1)) != nil {
			return j
		}
	}
	return -1
}

// checkServeMuxMode refuses to compile when net/http runs its pre-1.22
// ServeMux (GODEBUG=httpmuxgo121=1): patterns would then mean something
// else entirely, and the policy must not silently change meaning.
func checkServeMuxMode() error {
	mux := http.NewServeMux()
	if register(mux, "GET /{x}", routeHandler(7)) == nil {
		r, _ := http.NewRequest("GET", "http://h/a", nil)
		if h, _ := mux.Handler(r); h == routeHandler(7) {
			return nil
		}
	}
	return errors.New("net/http ServeMux runs in go1.21 mode (GODEBUG httpmuxgo121=1); route patterns cannot be enforced")
}
