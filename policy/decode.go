package policy

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// routeKeys are the keys a route may have, in the order used for
// "did you mean" suggestions.
func routeKeys() []string {
	return []string{"route", "upstream", "scopes", "public", "resource", "filter", "owner", "login", "csrf"}
}

// DecodeRoutes decodes the YAML sequence under gateway.routes. file names
// the config file in positions. It is strict: unknown or duplicate keys,
// values of the wrong type, a missing route or upstream, and a route that
// is neither public nor scoped (or is both) are all reported, every one
// with its position. A route with a problem is left out of the result, so
// that [Compile] does not report it a second time. A nil seq means no
// routes.
func DecodeRoutes(file string, seq *yaml.Node) ([]Route, []Diagnostic) {
	if seq == nil {
		return nil, nil
	}
	seq = resolveAlias(seq)
	if seq.Kind != yaml.SequenceNode {
		if seq.Kind == yaml.ScalarNode && seq.ShortTag() == "!!null" {
			return nil, nil
		}
		return nil, []Diagnostic{{Pos: pos(file, seq), Message: "routes must be a list of routes"}}
	}
	var routes []Route
	var diags []Diagnostic
	for _, item := range seq.Content {
		r, ds := decodeRoute(file, resolveAlias(item))
		if len(ds) > 0 {
			diags = append(diags, ds...)
			continue
		}
		routes = append(routes, r)
	}
	sortDiagnostics(diags)
	return routes, diags
}

func decodeRoute(file string, n *yaml.Node) (Route, []Diagnostic) {
	r := Route{Pos: pos(file, n)}
	if n.Kind != yaml.MappingNode {
		return r, []Diagnostic{{Pos: r.Pos, Message: "route must be a mapping with route, upstream and scopes or public"}}
	}
	var diags []Diagnostic
	add := func(n *yaml.Node, format string, args ...any) {
		diags = append(diags, Diagnostic{Pos: pos(file, n), Message: fmt.Sprintf(format, args...)})
	}
	seen := map[string]bool{}
	accessKnown := true // false once scopes or public failed to decode
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolveAlias(n.Content[i+1])
		key := k.Value
		if k.Kind != yaml.ScalarNode {
			add(k, "route keys must be plain strings")
			continue
		}
		if seen[key] {
			add(k, "duplicate key %q in route", key)
			continue
		}
		seen[key] = true
		switch key {
		case "route":
			r.Pattern, r.PatternPos = decodeString(file, v, "route", add)
		case "upstream":
			r.Upstream, r.UpstreamPos = decodeString(file, v, "upstream", add)
		case "scopes":
			var ok bool
			r.Scopes, r.ScopesPos, ok = decodeScopes(file, v, add)
			accessKnown = accessKnown && ok
		case "public":
			// Only YAML 1.2 booleans: "yes" or "on" are strings here, and
			// a policy must not guess whether a route is open.
			if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" || v.Decode(&r.Public) != nil {
				add(v, "public must be true or false")
				accessKnown = false
			}
		case "resource":
			r.Resource = decodeItemRef(file, v, add)
		case "filter":
			r.Filter = decodeListFilter(file, v, add)
		case "owner":
			r.Owner, r.OwnerPos = decodeParam(file, v, "owner", add)
		case "login":
			r.Login, r.LoginPos = decodeString(file, v, "login", add)
			if r.Login != LoginBrowser {
				if r.Login != "" {
					add(v, "login must be %q (sign people in with their browser)", LoginBrowser)
				}
				accessKnown = false
			}
		case "csrf":
			r.CSRF, r.CSRFPos = decodeString(file, v, "csrf", add)
			if r.CSRF != CSRFOrigin {
				if r.CSRF != "" {
					add(v, "csrf must be %q (state-changing requests must come from this origin)", CSRFOrigin)
				}
				accessKnown = false
			}
		default:
			accessKnown = false // a misspelt "scopes" or "public" would mislead the access check
			if s := Suggest(key, routeKeys()); s != "" {
				add(k, "unknown key %q in route (did you mean %q?)", key, s)
			} else {
				add(k, "unknown key %q in route (want route, upstream, scopes, public, resource, filter, owner, login or csrf)", key)
			}
		}
	}
	if !seen["route"] {
		add(n, `route is missing "route" (a pattern such as "GET /photos/{id}")`)
	}
	if !seen["upstream"] {
		add(n, `route is missing "upstream"`)
	}
	if accessKnown {
		diags = append(diags, checkAccess(&r)...)
	}
	return r, diags
}

// checkAccess enforces default deny: a route says which scopes it needs,
// or that it needs a signed-in browser user (login: browser, scopes
// optional), or that it is public; never nothing and never public with
// more.
func checkAccess(r *Route) []Diagnostic {
	switch {
	case r.Public && len(r.Scopes) > 0:
		return []Diagnostic{{Pos: r.Pos, Message: "route is public but lists scopes: remove scopes or public: true"}}
	case !r.Public && len(r.Scopes) == 0 && r.Login == "":
		return []Diagnostic{{Pos: r.Pos, Message: "route requires no scope and is not public: add scopes, login: browser or public: true"}}
	case r.Public && r.Login != "":
		// Signing in to a page anyone may see would only mislead.
		return []Diagnostic{{Pos: r.LoginPos, Message: "route is public and cannot ask for a sign-in: remove login or public: true"}}
	case r.CSRF != "" && r.Login == "":
		// Only a session cookie travels without the caller choosing to
		// send it; a bearer token cannot be forged across sites.
		return []Diagnostic{{Pos: r.CSRFPos, Message: "csrf applies to sessions: add login: browser or remove csrf"}}
	}
	return nil
}

type addFunc func(n *yaml.Node, format string, args ...any)

func decodeString(file string, v *yaml.Node, key string, add addFunc) (string, Position) {
	p := pos(file, v)
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!str" || v.Value == "" {
		add(v, "%s must be a non-empty string", key)
		return "", p
	}
	return v.Value, p
}

func decodeScopes(file string, v *yaml.Node, add addFunc) ([]string, []Position, bool) {
	if v.Kind != yaml.SequenceNode {
		add(v, "scopes must be a list of strings, such as [photos.read]")
		return nil, nil, false
	}
	ok := true
	var scopes []string
	var at []Position
	for _, e := range v.Content {
		e = resolveAlias(e)
		if e.Kind != yaml.ScalarNode || e.ShortTag() != "!!str" {
			add(e, "scope must be a string")
			ok = false
			continue
		}
		scopes = append(scopes, e.Value)
		at = append(at, pos(file, e))
	}
	return scopes, at, ok
}

// resolveAlias follows YAML aliases (scopes: *readonly) a bounded number of
// times; yaml.v3 already refuses aliases that contain themselves.
func resolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; i < 8 && n.Kind == yaml.AliasNode && n.Alias != nil; i++ {
		n = n.Alias
	}
	return n
}

func pos(file string, n *yaml.Node) Position {
	return Position{File: file, Line: n.Line, Column: n.Column}
}
