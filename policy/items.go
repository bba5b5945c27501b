package policy

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// ItemRef is a route's "resource: {type, id}": the request names one item
// of a resource type in a path parameter, and a token narrowed to picked
// items of that type must hold it.
type ItemRef struct {
	Type  string // resource type, as in RFC 9396 authorization_details "type"
	Param string // path parameter holding the id, without braces

	Pos, TypePos, IDPos Position

	narrowing []string // the type's narrowed scopes, from Env.Resources
	seg       int      // index of Param among the path's segments
}

// ListFilter is a route's "filter: {type, items, id}": the upstream answers
// with a JSON list of items of a type, and a narrowed token sees only the
// items it holds.
type ListFilter struct {
	Type  string // resource type
	Items string // field of the top-level object holding the array; "" when the body is the array
	ID    string // field of each item holding its id

	Pos, TypePos Position

	narrowing []string
}

// Narrowing returns the scopes the filter's type narrows, as configured.
func (f *ListFilter) Narrowing() []string { return f.narrowing }

// Narrowing returns the scopes the item's type narrows, as configured.
func (i *ItemRef) Narrowing() []string { return i.narrowing }

// Holder is what the item checks read of a verified token. *token.Claims
// implements it.
type Holder interface {
	// PickedItems reports whether the token is narrowed to picked items of
	// typ, given the scopes that typ narrows, and if so which ids it
	// holds. A narrowed token with a nil set holds nothing.
	PickedItems(typ string, narrowing []string) (ids map[string]struct{}, narrowed bool)
}

// ItemVerdict is the outcome of [Route.CheckItems].
type ItemVerdict struct {
	Deny   bool
	Held   bool   // allowed, and the token is narrowed and holds the item
	Owner  bool   // the owner check failed (otherwise an item was missing)
	Type   string // the missing item's type
	ID     string // the missing item's id, or the path's owner value
	Reason string // one sentence, only when Deny
}

// CheckItems applies the route's owner and resource checks to a request
// whose escaped path matched r, for a token with subject sub. It does not
// allocate when it allows a path whose parameters need no unescaping.
func (r *Route) CheckItems(path, sub string, h Holder) ItemVerdict {
	if r.Owner != "" {
		v, ok := segment(path, r.ownerSeg)
		if !ok || v != sub {
			return ItemVerdict{Deny: true, Owner: true, ID: v,
				Reason: fmt.Sprintf("the owner {%s} is %q, not the token's subject %q", r.Owner, v, sub)}
		}
	}
	ref := r.Resource
	if ref == nil || h == nil {
		return ItemVerdict{}
	}
	ids, narrowed := h.PickedItems(ref.Type, ref.narrowing)
	if !narrowed {
		return ItemVerdict{}
	}
	id, ok := segment(path, ref.seg)
	if ok {
		if _, held := ids[id]; held {
			return ItemVerdict{Held: true, Type: ref.Type, ID: id}
		}
	}
	return ItemVerdict{Deny: true, Type: ref.Type, ID: id,
		Reason: fmt.Sprintf("the token is narrowed to picked %s items and %q is not one of them", ref.Type, id)}
}

// ListFilterFor returns the picked ids a filter route keeps for h, and
// whether the answer must be filtered at all.
func (r *Route) ListFilterFor(h Holder) (map[string]struct{}, bool) {
	if r.Filter == nil || h == nil {
		return nil, false
	}
	return h.PickedItems(r.Filter.Type, r.Filter.narrowing)
}

// segment returns the unescaped path segment with index i (0 is the one
// after the leading slash). Paths reaching here passed [CheckPath], so an
// escape never hides a slash.
func segment(path string, i int) (string, bool) {
	if i < 0 || path == "" || path[0] != '/' {
		return "", false
	}
	rest := path[1:]
	for ; i > 0; i-- {
		j := strings.IndexByte(rest, '/')
		if j < 0 {
			return "", false
		}
		rest = rest[j+1:]
	}
	if j := strings.IndexByte(rest, '/'); j >= 0 {
		rest = rest[:j]
	}
	if strings.IndexByte(rest, '%') < 0 {
		return rest, true
	}
	v, err := url.PathUnescape(rest)
	return v, err == nil
}

// paramSegment finds the single-segment wildcard {name} in a pattern and
// returns its segment index, or a problem.
func paramSegment(pattern, name string) (int, string) {
	_, _, path, ok := splitPattern(pattern)
	if !ok {
		return -1, "the route pattern has no path"
	}
	for i, s := range strings.Split(strings.TrimPrefix(path, "/"), "/") {
		switch s {
		case "{" + name + "}":
			return i, ""
		case "{" + name + "...}":
			return -1, fmt.Sprintf("{%s...} spans several segments; an item id must be one segment such as {%s}", name, name)
		}
	}
	return -1, fmt.Sprintf("route pattern %q has no parameter {%s}", pattern, name)
}

// paramName reads "{name}" as written in resource.id or owner.
func paramName(v string) (string, bool) {
	if len(v) < 3 || v[0] != '{' || v[len(v)-1] != '}' {
		return "", false
	}
	name := v[1 : len(v)-1]
	if strings.ContainsAny(name, "{}/. ") {
		return "", false
	}
	return name, true
}

// patternMethod returns the method of a pattern, "" when it has none.
func patternMethod(pattern string) string {
	m, _, _, _ := splitPattern(pattern)
	return m
}

// checkItems checks a route's resource, filter and owner against its
// pattern and env, and fills in what matching needs. r is the compiler's
// own copy; its ItemRef and ListFilter are copied before they are changed.
func (c *compiler) checkItems(r *Route) {
	r.ownerSeg = -1
	if r.Owner != "" {
		seg, prob := paramSegment(r.Pattern, r.Owner)
		if prob != "" {
			c.errorf(r.OwnerPos, "owner: %s", prob)
		}
		r.ownerSeg = seg
		if r.Public {
			c.errorf(r.OwnerPos, "owner on a public route: there is no token subject to compare")
		}
	}
	if r.Resource != nil && r.Filter != nil {
		c.errorf(r.Filter.Pos, "a route has either resource (one item) or filter (a list), not both")
		return
	}
	if r.Resource != nil {
		ref := *r.Resource
		r.Resource = &ref
		seg, prob := paramSegment(r.Pattern, ref.Param)
		if prob != "" {
			c.errorf(ref.IDPos, "resource id: %s", prob)
		}
		ref.seg = seg
		ref.narrowing = c.checkType(r, ref.Type, ref.TypePos, "resource")
	}
	if r.Filter != nil {
		f := *r.Filter
		r.Filter = &f
		if m := patternMethod(r.Pattern); m != "GET" {
			c.errorf(f.Pos, "filter needs a GET route (the pattern must start with \"GET \"): only a read answer can be filtered")
		}
		f.narrowing = c.checkType(r, f.Type, f.TypePos, "filter")
	}
}

// checkType checks that typ is a declared resource type and that the route
// requires one of the scopes it narrows; it returns those scopes.
func (c *compiler) checkType(r *Route, typ string, at Position, what string) []string {
	if r.Public {
		c.errorf(at, "%s on a public route: only tokens can be narrowed to picked items", what)
		return nil
	}
	if c.env.Resources == nil {
		return nil
	}
	narrowing, ok := c.env.Resources[typ]
	if !ok {
		known := make([]string, 0, len(c.env.Resources))
		for k := range c.env.Resources {
			known = append(known, k)
		}
		slices.Sort(known)
		if s := Suggest(typ, known); s != "" {
			c.errorf(at, "unknown resource type %q (did you mean %q?)", typ, s)
		} else if len(known) > 0 {
			c.errorf(at, "unknown resource type %q (declared under authserver.resources: %s)", typ, strings.Join(known, ", "))
		} else {
			c.errorf(at, "unknown resource type %q (declare it under authserver.resources)", typ)
		}
		return nil
	}
	if len(narrowing) == 0 {
		// Every scope of the type was refused where the type is declared,
		// and reported there: one mistake, one error.
		return nil
	}
	if !slices.ContainsFunc(r.Scopes, func(s string) bool { return slices.Contains(narrowing, s) }) {
		c.errorf(at, "%s type %q narrows [%s] but the route requires none of them", what, typ, strings.Join(narrowing, " "))
	}
	return slices.Clone(narrowing)
}
