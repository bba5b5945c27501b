package config

import (
	"maps"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scopegate/scopegate/oauthrule"
)

// IdentityProvider is an upstream OpenID provider users may sign in with.
type IdentityProvider struct {
	ID           string // local subjects become "<ID>:<upstream sub>"
	Name         string // button text "Continue with <Name>"; default ID
	Issuer       string // found by OpenID discovery
	ClientID     string // scopegate's client at the provider
	ClientSecret string // usually ${VAR}; empty for a public client (PKCE only)
	Scopes       []string
}

// DefaultIdentityProviderScopes are asked for when scopes is left out.
var DefaultIdentityProviderScopes = []string{"openid", "profile", "email"}

// identityProviders reads authserver.identity_providers. Provider IDs are
// the prefix of their users' subjects, so none may let such a subject
// equal a username or a client id (RFC 9700 §4.15.1).
func (d *decoder) identityProviders(n *yaml.Node, ours string, users map[string]*yaml.Node, clients []Client) []IdentityProvider {
	var out []IdentityProvider
	ids := map[string]*yaml.Node{}
	for _, item := range d.list(n) {
		f := d.mapping(item, "id", "name", "issuer", "client_id", "client_secret", "scopes")
		if f.node.Kind != yaml.MappingNode {
			if absent(f.node) {
				d.errorf(f.node, "expected an identity provider mapping, got nothing")
			}
			continue
		}
		var p IdentityProvider
		if t, ok := d.str(d.require(f, "id")); ok {
			first, dup := ids[t.value]
			switch {
			case !providerID(t.value):
				d.errorf(t.node, "identity provider id %s must be lower-case letters, digits and dashes", t.quoted())
			case dup:
				d.errorf(t.node, "duplicate identity provider id %s (first at line %d)", t.quoted(), first.Line)
			default:
				ids[t.value] = t.node
				d.subjectClash(t, users, clients)
			}
			p.ID = t.value
		}
		p.Name = p.ID
		if t, ok := d.str(f.get("name")); ok && strings.TrimSpace(t.value) != "" {
			p.Name = t.value
		}
		if t, ok := d.str(d.require(f, "issuer")); ok {
			switch err := oauthrule.CheckIssuer(t.value, false); {
			case err != nil:
				d.errorf(t.node, "identity provider issuer %s %v", t.quoted(), err)
			case strings.TrimSuffix(t.value, "/") == ours:
				d.errorf(t.node, "identity provider issuer %s is this server itself", t.quoted())
			}
			p.Issuer = t.value
		}
		if t, ok := d.str(d.require(f, "client_id")); ok {
			if t.value == "" {
				d.errorf(t.node, "client_id must not be empty")
			}
			p.ClientID = t.value
		}
		if t, ok := d.str(f.get("client_secret")); ok {
			p.ClientSecret = t.value
		}
		p.Scopes = slices.Clone(DefaultIdentityProviderScopes)
		if sn := f.get("scopes"); sn != nil {
			p.Scopes = nil
			for _, t := range d.strs(sn) {
				if !oauthrule.ValidScopeToken(t.value) {
					d.errorf(t.node, "invalid scope name %s", t.quoted())
				}
				p.Scopes = append(p.Scopes, t.value)
			}
			if !slices.Contains(p.Scopes, "openid") {
				d.errorf(sn, "scopes must include openid: sign-in needs an ID token")
			}
		}
		out = append(out, p)
	}
	return out
}

// subjectClash reports a username or client id that starts with the
// provider's subject prefix.
func (d *decoder) subjectClash(t text, users map[string]*yaml.Node, clients []Client) {
	prefix := t.value + ":"
	for _, name := range slices.Sorted(maps.Keys(users)) {
		if strings.HasPrefix(name, prefix) {
			d.errorf(t.node, "identity provider id %s: the username at line %d starts with %q, so subjects could collide", t.quoted(), users[name].Line, prefix)
		}
	}
	for _, c := range clients {
		if strings.HasPrefix(oauthrule.CanonicalUsername(c.ID), prefix) {
			d.errorf(t.node, "identity provider id %s: client id %q starts with %q, so subjects could collide", t.quoted(), c.ID, prefix)
		}
	}
}

func providerID(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
