package policy

import (
	"fmt"
	"strings"
)

// UnboundItemParams finds resource and filter routes without an owner
// whose path names another parameter besides the item id: "GET
// /users/{user}/photos/{id}" checks the picked id and nothing else, so
// alice's token for her photo "1" also opens /users/bob/photos/1 if the
// backend numbers photos per user. An owner binds such a parameter to the
// token's subject. The route may be right as it is (ids unique across
// users, or a parameter that only selects a view), so these are warnings,
// given at the route's pattern.
func (s *Set) UnboundItemParams() []Diagnostic {
	if s == nil {
		return nil
	}
	var out []Diagnostic
	for i := range s.routes {
		r := &s.routes[i]
		if r.Owner != "" || r.Resource == nil && r.Filter == nil {
			continue
		}
		idParam, typ := "", ""
		if r.Resource != nil {
			idParam, typ = r.Resource.Param, r.Resource.Type
		} else {
			typ = r.Filter.Type
		}
		for _, p := range patternParams(r.Pattern) {
			if p == idParam {
				continue
			}
			what := fmt.Sprintf("a token holding %s item \"1\" opens it under any {%s}", typ, p)
			if r.Filter != nil {
				what = fmt.Sprintf("a token holding %s item \"1\" gets item \"1\" of the list of any {%s}", typ, p)
			}
			out = append(out, Diagnostic{Pos: patternPos(r), Message: fmt.Sprintf(
				"route %q checks picked %s items by id alone, yet its path also names {%s}: %s; if ids are unique only within one {%s}, add owner: \"{%s}\"",
				r.Pattern, typ, p, what, p, p)})
			break
		}
	}
	return out
}

// patternParams returns the names of a pattern's wildcards, {name} and
// {name...}, in order.
func patternParams(pattern string) []string {
	_, _, path, ok := splitPattern(pattern)
	if !ok {
		return nil
	}
	var names []string
	for _, seg := range strings.Split(path, "/") {
		if len(seg) < 3 || seg[0] != '{' || seg[len(seg)-1] != '}' {
			continue
		}
		name := strings.TrimSuffix(seg[1:len(seg)-1], "...")
		if name != "$" {
			names = append(names, name)
		}
	}
	return names
}
