package policy

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Decide gives the whole verdict on one request, for the gateway's error
// bodies, `scopegate explain` and tests. path is the request's escaped
// path; scopes are the token's scopes and hasToken says whether a valid
// token came with the request. In order: a path rejected by [CheckPath] is
// 400, no matching route is 404, a public route is allowed, a missing
// token is 401, missing scopes are 403 with Missing set, otherwise 200.
func (s *Set) Decide(method, host, path string, scopes []string, hasToken bool) Decision {
	if err := CheckPath(path); err != nil {
		return Decision{Status: http.StatusBadRequest,
			Reason: "the request path is ambiguous: " + strings.TrimPrefix(err.Error(), "policy: ")}
	}
	i := s.match(method, host, path)
	if i < 0 {
		return Decision{Status: http.StatusNotFound,
			Reason: fmt.Sprintf("no route matches %s %s on host %q", method, path, normalizeHost(host))}
	}
	r := &s.routes[i]
	switch {
	case r.Public:
		return Decision{Route: r, Allow: true, Status: http.StatusOK, Reason: s.reasons[i]}
	case !hasToken:
		return Decision{Route: r, Status: http.StatusUnauthorized,
			Reason: fmt.Sprintf("%s; the request has no token", describe(r))}
	}
	if missing := r.Missing(scopes); missing != nil {
		return Decision{Route: r, Status: http.StatusForbidden, Missing: missing,
			Reason: fmt.Sprintf("%s; the token lacks %s", describe(r), strings.Join(missing, " "))}
	}
	return Decision{Route: r, Allow: true, Status: http.StatusOK, Reason: s.reasons[i]}
}

// Missing returns the scopes r requires that are not in scopes, or nil. It
// does not allocate when nothing is missing. Scopes compare exactly, as
// RFC 6749 §3.3 makes them case-sensitive.
func (r *Route) Missing(scopes []string) []string {
	var missing []string
	for _, want := range r.Scopes {
		if !slices.Contains(scopes, want) {
			missing = append(missing, want)
		}
	}
	return missing
}

// describe says which route matched and what it requires, e.g.
// `route "GET /photos/{id}" (policy.yaml:12) requires scopes [photos.read]`.
func describe(r *Route) string {
	return fmt.Sprintf("route %q (%s:%d) requires scopes [%s]", r.Pattern, r.Pos.File, r.Pos.Line, strings.Join(r.Scopes, " "))
}

// allowReason is the reason Decide gives when r allows a request; it is
// computed once per route at compile time so allowing costs nothing.
func allowReason(r *Route) string {
	if r.Public {
		return fmt.Sprintf("route %q (%s:%d) is public", r.Pattern, r.Pos.File, r.Pos.Line)
	}
	return describe(r) + "; the token has them all"
}
