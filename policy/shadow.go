package policy

import (
	"fmt"
	"strings"
)

// CaseShadows finds protected routes whose paths, written in another
// case, select a public route of the same upstream instead: /ADMIN/x
// reaching a public "/" next to a protected "/admin/". A backend that
// ignores case would serve the protected resource through the public
// route (issue 12, finding 6), so `scopegate check` warns, at the
// protected route, unless the upstream is marked case_insensitive, which
// makes the gateway match as that backend does. The Set itself is fine
// either way; these are warnings, not errors.
func (s *Set) CaseShadows() []Diagnostic {
	if s == nil {
		return nil
	}
	var out []Diagnostic
	for i := range s.routes {
		q := &s.routes[i]
		if q.Public || q.CaseInsensitive {
			continue
		}
		method, host, path, ok := splitPattern(q.Pattern)
		if !ok {
			continue
		}
		if method == "" {
			method = "GET"
		}
		concrete := concretePath(path)
		for _, variant := range []string{strings.ToUpper(concrete), strings.ToLower(concrete), swapFirstLetter(concrete)} {
			if variant == concrete {
				continue
			}
			p := s.Match(method, host, variant)
			if p == nil || !p.Public || p.Upstream != q.Upstream {
				continue
			}
			out = append(out, Diagnostic{Pos: patternPos(q), Message: fmt.Sprintf(
				"public route %q at %s takes %s %s, which differs from protected route %q only in case; if upstream %q ignores case in paths, set case_insensitive: true on it",
				p.Pattern, p.Pos, method, variant, q.Pattern, q.Upstream)})
			break
		}
	}
	return out
}

// swapFirstLetter changes the case of the first ASCII letter of p, for
// paths whose all-upper and all-lower forms both miss.
func swapFirstLetter(p string) string {
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case 'a' <= c && c <= 'z':
			return p[:i] + string(c-'a'+'A') + p[i+1:]
		case 'A' <= c && c <= 'Z':
			return p[:i] + string(c-'A'+'a') + p[i+1:]
		}
	}
	return p
}
