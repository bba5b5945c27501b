package authserver

import (
	"encoding/json"
	"net/url"
	"slices"

	"github.com/scopegate/scopegate/token"
)

// codeInvalidAuthorizationDetails is the RFC 9396 §5 error for an
// authorization_details parameter the server cannot accept.
const codeInvalidAuthorizationDetails = "invalid_authorization_details"

// maxProposedBytes bounds the identifiers a request may propose, summed:
// the request travels sealed through the browser (sealRequest), whose
// encoding must stay within its length limit.
const maxProposedBytes = 2048

// itemRequest is what an authorization request asks of one narrowed item
// type: the actions (each standing for a narrowed scope) and, if the
// client proposed some, the identifiers the user may choose among.
type itemRequest struct {
	Type     string
	Actions  []string // in the order of the type's scopes
	Proposed []string // nil: none proposed, the user picks from the whole listing
}

// requestedAccess reads scope and authorization_details (RFC 9396 §2) of
// an authorization request. Either may be absent, not both. A plain scope
// that a resource type narrows (scope=photos.read) asks for that type's
// picker as much as {"type":"photos","actions":["read"]} does, so standard
// clients get the picker without knowing RFC 9396.
func (s *Server) requestedAccess(c *client, p url.Values) ([]string, []itemRequest, *Error) {
	var scopes []string
	if p.Get("scope") != "" || !p.Has("authorization_details") {
		var oe *Error
		if scopes, oe = s.checkScopes(c, p.Get("scope"), true); oe != nil {
			return nil, nil, oe
		}
	}
	var items []itemRequest
	if p.Has("authorization_details") {
		var oe *Error
		if items, oe = s.parseDetailsParam(c, p.Get("authorization_details")); oe != nil {
			return nil, nil, oe
		}
		for _, it := range items {
			for _, a := range it.Actions {
				if sc := s.resources[it.Type].actions[a]; !slices.Contains(scopes, sc) {
					scopes = append(scopes, sc)
				}
			}
		}
	}
	// Narrowed scopes asked for by name join their type's request.
	for _, sc := range scopes {
		res := s.scopeType[sc]
		if res == nil {
			continue
		}
		i := slices.IndexFunc(items, func(it itemRequest) bool { return it.Type == res.Type })
		if i < 0 {
			items = append(items, itemRequest{Type: res.Type})
			i = len(items) - 1
		}
		if a := res.scopeAc[sc]; !slices.Contains(items[i].Actions, a) {
			items[i].Actions = res.orderActions(append(items[i].Actions, a))
		}
	}
	if len(scopes) == 0 {
		return nil, nil, oauthErr(codeInvalidScope, "scope is required")
	}
	return scopes, items, nil
}

// parseDetailsParam checks an RFC 9396 authorization_details request
// parameter against the configured types; anything it cannot honour
// exactly is refused (§5) rather than silently widened or dropped.
func (s *Server) parseDetailsParam(c *client, raw string) ([]itemRequest, *Error) {
	bad := func(desc string) ([]itemRequest, *Error) {
		return nil, oauthErr(codeInvalidAuthorizationDetails, desc)
	}
	ds, problem := readDetailsParam(raw)
	if problem != "" {
		return bad(problem)
	}
	var out []itemRequest
	for _, d := range ds {
		res := s.resources[d.Type]
		switch {
		case res == nil:
			return bad("authorization_details type " + quoteDesc(d.Type) + " is not supported")
		case len(d.Identifiers) > res.MaxItems:
			return bad("more identifiers than one grant may hold")
		}
		it := itemRequest{Type: d.Type}
		actions := d.Actions
		if actions == nil {
			// No actions: every action of the type this client may use.
			for _, sc := range res.Scopes {
				if slices.Contains(c.Scopes, sc) {
					actions = append(actions, res.scopeAc[sc])
				}
			}
		}
		if len(actions) == 0 {
			return bad("no action of type " + quoteDesc(d.Type) + " is allowed for this client")
		}
		for _, a := range actions {
			sc, ok := res.actions[a]
			if !ok {
				return bad("action " + quoteDesc(a) + " is not supported for type " + quoteDesc(d.Type))
			}
			if !slices.Contains(c.Scopes, sc) || !s.isDeclared(sc) {
				return bad("action " + quoteDesc(a) + " of type " + quoteDesc(d.Type) + " is not allowed for this client")
			}
			if !slices.Contains(it.Actions, a) {
				it.Actions = append(it.Actions, a)
			}
		}
		it.Actions = res.orderActions(it.Actions)
		size := 0
		for _, id := range d.Identifiers {
			if !validItemID(id) {
				return bad("an identifier is empty, too long or has control characters")
			}
			size += len(id)
			it.Proposed = append(it.Proposed, id)
		}
		if size > maxProposedBytes {
			return bad("the proposed identifiers are too long together")
		}
		out = append(out, it)
	}
	return out, nil
}

// readDetailsParam reads an RFC 9396 authorization_details parameter, of
// an authorization or a token request, and returns it or what is wrong
// with it, whatever the types configured: it must be a non-empty array,
// each type named once, with no empty or repeated identifiers and none of
// the fields the gateway does not enforce (locations, datatypes,
// privileges: accepting them would promise a restriction nobody checks).
func readDetailsParam(raw string) ([]token.AuthorizationDetail, string) {
	ds, err := token.ParseAuthorizationDetails([]byte(raw))
	if err != nil {
		return nil, err.Error()
	}
	if len(ds) == 0 {
		return nil, "authorization_details must not be empty"
	}
	for k, d := range ds {
		switch {
		case detailFor(ds[:k], d.Type) != nil:
			return nil, "authorization_details names type " + quoteDesc(d.Type) + " twice"
		case len(d.Locations) > 0 || len(d.Datatypes) > 0 || len(d.Privileges) > 0:
			return nil, "only actions and identifiers are supported in authorization_details"
		case d.Identifiers != nil && len(d.Identifiers) == 0:
			return nil, "identifiers must not be an empty array"
		}
		for j, id := range d.Identifiers {
			if slices.Contains(d.Identifiers[:j], id) {
				return nil, "an identifier is repeated"
			}
		}
	}
	return ds, ""
}

// quoteDesc quotes a value for an error_description, which RFC 6749
// §5.2 limits to printable ASCII without '"' and '\'.
func quoteDesc(v string) string {
	out := make([]byte, 0, len(v)+2)
	out = append(out, '\'')
	for i := 0; i < len(v) && i < 64; i++ {
		if c := v[i]; c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
			out = append(out, c)
		} else {
			out = append(out, '?')
		}
	}
	return string(append(out, '\''))
}

// orderActions sorts actions into the order of the type's scopes, so that
// equal sets print equally.
func (r *resource) orderActions(as []string) []string {
	out := make([]string, 0, len(as))
	for _, sc := range r.Scopes {
		if a := r.scopeAc[sc]; slices.Contains(as, a) {
			out = append(out, a)
		}
	}
	return out
}

// decodeDetails reads stored authorization_details; nil or broken data
// (which the server never writes) yields none, so it narrows to nothing
// rather than widening: PickedItems treats a narrowed scope without an
// entry as no items.
func decodeDetails(b []byte) []token.AuthorizationDetail {
	if len(b) == 0 {
		return nil
	}
	ds, err := token.ParseAuthorizationDetails(b)
	if err != nil {
		return nil
	}
	return ds
}

func encodeDetails(ds []token.AuthorizationDetail) []byte {
	if len(ds) == 0 {
		return nil
	}
	b, _ := json.Marshal(ds) // plain strings: cannot fail
	return b
}

func detailFor(ds []token.AuthorizationDetail, typ string) *token.AuthorizationDetail {
	for i := range ds {
		if ds[i].Type == typ {
			return &ds[i]
		}
	}
	return nil
}

// subset reports whether every element of a is in b.
func subset(a, b []string) bool {
	for _, v := range a {
		if !slices.Contains(b, v) {
			return false
		}
	}
	return true
}

// pickCovers reports whether grant details gd already answer the item
// requests: each type was picked, and any proposed identifiers are all in
// the pick. A request for items beyond the pick asks the user again.
func pickCovers(gd []token.AuthorizationDetail, items []itemRequest) bool {
	for _, it := range items {
		d := detailFor(gd, it.Type)
		if d == nil || !subset(it.Actions, d.Actions) || !subset(it.Proposed, d.Identifiers) {
			return false
		}
	}
	return true
}

// codeDetails is what one authorization response grants of the grant's
// pick (RFC 9396 §7): per requested type, the requested actions and the
// picked identifiers, narrowed to those the client proposed, if any.
func codeDetails(gd []token.AuthorizationDetail, items []itemRequest) []byte {
	var out []token.AuthorizationDetail
	for _, it := range items {
		d := detailFor(gd, it.Type)
		ids := []string{}
		if d != nil {
			for _, id := range d.Identifiers {
				if it.Proposed == nil || slices.Contains(it.Proposed, id) {
					ids = append(ids, id)
				}
			}
		}
		out = append(out, token.AuthorizationDetail{Type: it.Type, Actions: slices.Clone(it.Actions), Identifiers: ids})
	}
	return encodeDetails(out)
}
