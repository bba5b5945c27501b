package authserver

import (
	"net/url"
	"slices"

	"github.com/scopegate/scopegate/token"
)

// tokenDetails reads a token request's authorization_details parameter
// (RFC 9396 §6): nil when there is none. A malformed one is refused here,
// before the request touches the store: a code is not spent, a refresh
// token not rotated.
func tokenDetails(p url.Values) ([]token.AuthorizationDetail, *Error) {
	if !p.Has("authorization_details") {
		return nil, nil
	}
	asked, problem := readDetailsParam(p.Get("authorization_details"))
	if problem != "" {
		return nil, oauthErr(codeInvalidAuthorizationDetails, problem)
	}
	return asked, nil
}

// narrowDetails applies asked, a token request's authorization_details
// (tokenDetails), to an access token about to be issued with scopes and
// the details granted: without it, the token gets them all; with it, the
// token gets what it names, which may only narrow what was granted (§6.1),
// and anything wider is refused with invalid_authorization_details.
//
// A narrowed scope whose type the request leaves out, or whose action it
// leaves out, leaves the token too: the gateway reads a narrowed scope
// without its type's details as not narrowed at all. An action whose
// scope the token does not carry (a refresh asked for fewer scopes) leaves
// the details. The refresh token keeps the whole grant either way.
func (s *Server) narrowDetails(scopes []string, granted, asked []token.AuthorizationDetail) ([]string, []token.AuthorizationDetail, *Error) {
	if asked == nil {
		return scopes, granted, nil
	}
	bad := func(desc string) ([]string, []token.AuthorizationDetail, *Error) {
		return nil, nil, oauthErr(codeInvalidAuthorizationDetails, desc)
	}
	var out []token.AuthorizationDetail
	for _, d := range asked {
		g := detailFor(granted, d.Type)
		switch {
		case g == nil:
			return bad("authorization_details type " + quoteDesc(d.Type) + " was not granted")
		case !subset(d.Actions, g.Actions):
			return bad("authorization_details asks for actions of type " + quoteDesc(d.Type) + " that were not granted")
		case !subset(d.Identifiers, g.Identifiers):
			return bad("authorization_details asks for identifiers of type " + quoteDesc(d.Type) + " that were not granted")
		}
		n := token.AuthorizationDetail{Type: d.Type, Actions: slices.Clone(g.Actions), Identifiers: slices.Clone(g.Identifiers)}
		if d.Actions != nil {
			n.Actions = slices.DeleteFunc(n.Actions, func(a string) bool { return !slices.Contains(d.Actions, a) })
		}
		if d.Identifiers != nil {
			n.Identifiers = slices.Clone(d.Identifiers)
		}
		out = append(out, n)
	}
	var kept []string
	for _, sc := range scopes {
		res := s.scopeType[sc]
		if res == nil {
			kept = append(kept, sc)
			continue
		}
		if d := detailFor(out, res.Type); d != nil && slices.Contains(d.Actions, res.scopeAc[sc]) {
			kept = append(kept, sc)
		}
	}
	final := out[:0]
	for _, d := range out {
		res := s.resources[d.Type]
		d.Actions = slices.DeleteFunc(d.Actions, func(a string) bool { return res == nil || !slices.Contains(kept, res.actions[a]) })
		if len(d.Actions) > 0 {
			final = append(final, d)
		}
	}
	if len(final) == 0 {
		return bad("nothing authorization_details asks for is granted to this token")
	}
	return kept, final, nil
}
