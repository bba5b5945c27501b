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
	return s.DecideFor(method, host, path, Caller{HasToken: hasToken, Scopes: scopes})
}

// Caller is who [Set.DecideFor] judges.
type Caller struct {
	HasToken bool     // a valid token came with the request
	Scopes   []string // the token's scopes
	Subject  string   // the token's sub, for owner checks
	Items    Holder   // the token's picked items; nil when it has none
}

// DecideFor is [Set.Decide] with the owner and picked-item checks: after
// the scopes, a failed owner or resource check is 403 with Item set, and
// a filter route that will filter the answer is allowed with Filter set.
func (s *Set) DecideFor(method, host, path string, c Caller) Decision {
	scopes, hasToken := c.Scopes, c.HasToken
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
	case !hasToken && r.Login == LoginBrowser:
		return Decision{Route: r, Status: http.StatusUnauthorized,
			Reason: fmt.Sprintf("%s; the request has no token or session: a browser asking for HTML is redirected to sign in and then back here, other callers get 401", describe(r))}
	case !hasToken:
		return Decision{Route: r, Status: http.StatusUnauthorized,
			Reason: fmt.Sprintf("%s; the request has no token", describe(r))}
	}
	if missing := r.Missing(scopes); missing != nil {
		return Decision{Route: r, Status: http.StatusForbidden, Missing: missing,
			Reason: fmt.Sprintf("%s; the token lacks %s", describe(r), strings.Join(missing, " "))}
	}
	if v := r.CheckItems(path, c.Subject, c.Items); v.Deny {
		return Decision{Route: r, Status: http.StatusForbidden, Item: v,
			Reason: fmt.Sprintf("%s; %s", describe(r), v.Reason)}
	} else if v.Held {
		return Decision{Route: r, Allow: true, Status: http.StatusOK, Item: v,
			Reason: fmt.Sprintf("%s; the token has them all and holds %s item %q", describe(r), v.Type, v.ID)}
	}
	if ids, narrowed := r.ListFilterFor(c.Items); narrowed {
		return Decision{Route: r, Allow: true, Status: http.StatusOK, Filter: true,
			Reason: fmt.Sprintf("%s; the token has them all, and the answer keeps only the %d picked %s items the token holds",
				describe(r), len(ids), r.Filter.Type)}
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
	if len(r.Scopes) == 0 {
		return fmt.Sprintf("route %q (%s:%d) requires a signed-in user and no scope", r.Pattern, r.Pos.File, r.Pos.Line)
	}
	return fmt.Sprintf("route %q (%s:%d) requires scopes [%s]", r.Pattern, r.Pos.File, r.Pos.Line, strings.Join(r.Scopes, " "))
}

// allowReason is the reason Decide gives when r allows a request; it is
// computed once per route at compile time so allowing costs nothing.
func allowReason(r *Route) string {
	if r.Public {
		return fmt.Sprintf("route %q (%s:%d) is public", r.Pattern, r.Pos.File, r.Pos.Line)
	}
	if len(r.Scopes) == 0 {
		return describe(r) + "; the caller is signed in"
	}
	return describe(r) + "; the token has them all"
}
