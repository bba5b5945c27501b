package config

import (
	"slices"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/scopegate/scopegate/oauthrule"
)

// IdentityScopes are the OpenID Connect scopes, built into the
// authorization server: clients may list them without declaring them.
var IdentityScopes = []string{"openid", "profile", "email"}

// MinClientSecretLength keeps configured secrets out of guessing range.
const MinClientSecretLength = 16

func (d *decoder) clients(n *yaml.Node, users map[string]*yaml.Node, scopes []Scope) []Client {
	var out []Client
	ids := map[string]*yaml.Node{}
	for _, item := range d.list(n) {
		f := d.mapping(item, "id", "name", "secret", "secret_hash", "redirect_uris", "grant_types", "scopes",
			"id_token_signed_response_alg", "post_logout_redirect_uris")
		if f.node.Kind != yaml.MappingNode {
			if absent(f.node) {
				d.errorf(f.node, "expected a client mapping, got nothing")
			}
			continue
		}
		c := Client{}
		if t, ok := d.str(d.require(f, "id")); ok {
			d.clientID(t, ids, users)
			c.ID = t.value
		}
		c.Name = c.ID
		if t, ok := d.str(f.get("name")); ok && t.value != "" {
			c.Name = t.value
		}
		d.clientSecret(f, &c)
		c.GrantTypes = d.grantTypes(f, c.Public())
		uris := f.values["redirect_uris"]
		for _, t := range d.strs(uris) {
			if err := oauthrule.CheckRedirectURI(t.value); err != nil {
				d.errorf(t.node, "redirect URI %s %v", t.quoted(), err)
			} else if slices.Contains(c.RedirectURIs, t.value) {
				d.errorf(t.node, "duplicate redirect URI %s", t.quoted())
			}
			c.RedirectURIs = append(c.RedirectURIs, t.value)
		}
		noURIs := absent(uris) || uris.Kind == yaml.SequenceNode && len(uris.Content) == 0
		if noURIs && slices.Contains(c.GrantTypes, oauthrule.GrantAuthorizationCode) {
			d.errorf(orNode(uris, f.node), "redirect_uris must list at least one URI for the authorization_code grant")
		}
		for _, t := range d.strs(f.get("post_logout_redirect_uris")) {
			if err := oauthrule.CheckRedirectURI(t.value); err != nil {
				d.errorf(t.node, "post-logout redirect URI %s %v", t.quoted(), err)
			} else if slices.Contains(c.PostLogoutRedirectURIs, t.value) {
				d.errorf(t.node, "duplicate post-logout redirect URI %s", t.quoted())
			}
			c.PostLogoutRedirectURIs = append(c.PostLogoutRedirectURIs, t.value)
		}
		if t, ok := d.str(f.get("id_token_signed_response_alg")); ok {
			if t.value != "RS256" && t.value != "ES256" {
				d.errorf(t.node, "id_token_signed_response_alg %s must be RS256 or ES256", t.quoted())
			}
			c.IDTokenSignedResponseAlg = t.value
		}
		for _, t := range d.strs(f.get("scopes")) {
			declared := slices.Contains(IdentityScopes, t.value) || slices.ContainsFunc(scopes, func(s Scope) bool { return s.Name == t.value })
			if !declared {
				d.errorf(t.node, "scope %s is not declared in authserver.scopes", t.quoted())
			}
			c.Scopes = append(c.Scopes, t.value)
		}
		out = append(out, c)
	}
	return out
}

// GatewayClientID is the client the gateway signs browsers in with
// (login: browser routes). The gateway registers it itself, so the config
// may not declare a client of that ID.
const GatewayClientID = "scopegate-gateway"

// clientID checks uniqueness, and that no client ID equals a username:
// both end up in a token's sub, and must never be mistaken for each other
// (RFC 9700 §4.15.1).
func (d *decoder) clientID(t text, ids, users map[string]*yaml.Node) {
	if err := oauthrule.CheckIdentifier(t.value); err != nil {
		d.errorf(t.node, "client id %s %v", t.quoted(), err)
		return
	}
	if t.value == GatewayClientID {
		d.errorf(t.node, "client id %s is reserved for the gateway's own sign-in (login: browser routes)", t.quoted())
		return
	}
	if first, dup := ids[t.value]; dup {
		d.errorf(t.node, "duplicate client id %s (first at line %d)", t.quoted(), first.Line)
		return
	}
	ids[t.value] = t.node
	if u, clash := users[oauthrule.CanonicalUsername(t.value)]; clash {
		d.errorf(t.node, "client id %s equals the username at line %d: token subjects would collide", t.quoted(), u.Line)
	}
}

func (d *decoder) clientSecret(f fields, c *Client) {
	secret, hasSecret := d.str(f.get("secret"))
	hash, hasHash := d.str(f.get("secret_hash"))
	if hasSecret && hasHash {
		d.errorf(hash.node, "set secret or secret_hash, not both")
	}
	if hasSecret {
		if utf8.RuneCountInString(secret.value) < MinClientSecretLength {
			d.errorf(secret.node, "client secret must be at least %d characters", MinClientSecretLength)
		}
		c.Secret = secret.value
	}
	if hasHash {
		if !isBcrypt(hash.value) {
			d.errorf(hash.node, "secret_hash is not a bcrypt hash (make one with scopegate hash-password)")
		}
		c.SecretHash = hash.value
	}
}

func (d *decoder) grantTypes(f fields, public bool) []string {
	n := f.values["grant_types"]
	if n == nil {
		return []string{oauthrule.GrantAuthorizationCode}
	}
	if absent(n) || n.Kind == yaml.SequenceNode && len(n.Content) == 0 {
		d.errorf(n, "grant_types must not be empty (leave it out for [authorization_code])")
		return nil
	}
	var out []string
	for _, t := range d.strs(n) {
		switch {
		case !oauthrule.KnownGrantType(t.value):
			d.errorf(t.node, "unknown grant type %s (want authorization_code, client_credentials or refresh_token)", t.quoted())
			continue
		case slices.Contains(out, t.value):
			d.errorf(t.node, "duplicate grant type %s", t.quoted())
			continue
		case t.value == oauthrule.GrantClientCredentials && public:
			d.errorf(t.node, "a public client (no secret or secret_hash) cannot use client_credentials")
			continue
		}
		out = append(out, t.value)
	}
	return out
}
