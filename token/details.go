package token

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// AuthorizationDetail is one entry of the RFC 9396 "authorization_details"
// claim (§9.1): what the token may do with which items of a type. The
// common fields of §2.2 are kept; type-specific fields are not.
type AuthorizationDetail struct {
	Type        string   `json:"type"`
	Actions     []string `json:"actions,omitempty"`
	Locations   []string `json:"locations,omitempty"`
	Datatypes   []string `json:"datatypes,omitempty"`
	Privileges  []string `json:"privileges,omitempty"`
	Identifiers []string `json:"identifiers,omitempty"`
}

// maxDetails bounds the entries a token may carry; tokens are at most 16
// KiB anyway, so this only makes junk cheap to refuse.
const maxDetails = 64

// ParseAuthorizationDetails decodes an RFC 9396 authorization_details
// value strictly: a JSON array of objects, each with a non-empty string
// "type", and the common fields, when present, arrays of strings. Other
// members (type-specific fields) are ignored. It is used for the claim and
// for the authorization request parameter alike.
func ParseAuthorizationDetails(b []byte) ([]AuthorizationDetail, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '[' {
		return nil, errors.New("authorization_details must be a JSON array")
	}
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, errors.New("authorization_details must be an array of JSON objects")
	}
	if len(raw) > maxDetails {
		return nil, fmt.Errorf("authorization_details has more than %d entries", maxDetails)
	}
	out := make([]AuthorizationDetail, 0, len(raw))
	for i, m := range raw {
		if m == nil {
			return nil, fmt.Errorf("authorization_details[%d] is not an object", i)
		}
		var d AuthorizationDetail
		if err := jsonString(m["type"], &d.Type); err != nil || d.Type == "" {
			return nil, fmt.Errorf("authorization_details[%d] has no string type", i)
		}
		for _, f := range []struct {
			name string
			dst  *[]string
		}{{"actions", &d.Actions}, {"locations", &d.Locations}, {"datatypes", &d.Datatypes},
			{"privileges", &d.Privileges}, {"identifiers", &d.Identifiers}} {
			if v, ok := m[f.name]; ok {
				if err := jsonStrings(v, f.dst); err != nil {
					return nil, fmt.Errorf("authorization_details[%d].%s must be an array of strings", i, f.name)
				}
			}
		}
		out = append(out, d)
	}
	return out, nil
}

func jsonString(v json.RawMessage, dst *string) error {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || v[0] != '"' {
		return errors.New("not a string")
	}
	return json.Unmarshal(v, dst)
}

func jsonStrings(v json.RawMessage, dst *[]string) error {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || v[0] != '[' {
		return errors.New("not an array")
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(v, &raw); err != nil {
		return err
	}
	out := make([]string, len(raw))
	for i, e := range raw {
		if err := jsonString(e, &out[i]); err != nil {
			return err
		}
	}
	*dst = out
	return nil
}

// itemSets indexes the identifiers of each type, so that the gateway's
// per-request check is a map lookup. An entry without identifiers adds
// the type with no items: the token is narrowed to nothing of it rather
// than to everything (fail closed).
func itemSets(ds []AuthorizationDetail) map[string]map[string]struct{} {
	if len(ds) == 0 {
		return nil
	}
	m := make(map[string]map[string]struct{}, len(ds))
	for _, d := range ds {
		set := m[d.Type]
		if set == nil {
			set = make(map[string]struct{}, len(d.Identifiers))
			m[d.Type] = set
		}
		for _, id := range d.Identifiers {
			set[id] = struct{}{}
		}
	}
	return m
}

// PickedItems reports whether the token is narrowed to picked items of
// typ, and which ids it holds. narrowing are the scopes typ narrows.
//
// The rule: a token with an authorization_details entry of typ is
// narrowed to that entry's identifiers. A token without one is narrowed
// to nothing when it carries one of the narrowing scopes on behalf of a
// user (sub differs from client_id): a delegated narrowed scope always
// comes with the user's pick, so its absence must not mean "everything".
// A client's own token (client credentials, sub equal to client_id) is
// not narrowed. The returned set must not be modified.
func (c *Claims) PickedItems(typ string, narrowing []string) (map[string]struct{}, bool) {
	items := c.items
	if items == nil && len(c.AuthorizationDetails) > 0 {
		items = itemSets(c.AuthorizationDetails) // claims built in code, not decoded
	}
	if ids, ok := items[typ]; ok {
		return ids, true
	}
	if c.Subject == c.ClientID {
		return nil, false
	}
	for _, s := range narrowing {
		for _, have := range c.Scopes {
			if s == have {
				return nil, true
			}
		}
	}
	return nil, false
}
