package config

import (
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/scopegate/scopegate/oauthrule"
)

// Defaults and limits for the authserver section.
const (
	DefaultIssuer         = "http://localhost:8080"
	DefaultAccessTokenTTL = 10 * time.Minute
	MinAccessTokenTTL     = time.Minute
	MaxAccessTokenTTL     = 24 * time.Hour
	// Refresh tokens stop working after an idle time without use (RFC
	// 9700 §4.14.2) and, used or not, an absolute time after the sign-in
	// that began their family.
	DefaultRefreshTokenIdleTTL = 14 * 24 * time.Hour
	DefaultRefreshTokenTTL     = 90 * 24 * time.Hour
	MinRefreshTokenTTL         = time.Minute
	MaxRefreshTokenTTL         = 366 * 24 * time.Hour
	// MinSessionSecretLength keeps the cookie keys out of guessing range.
	MinSessionSecretLength = 32
)

func (d *decoder) authServer(n *yaml.Node) AuthServer {
	f := d.mapping(n, "issuer", "audience", "access_token_ttl", "refresh_token_idle_ttl", "refresh_token_ttl", "users", "clients", "scopes", "resources", "branding", "session_secret",
		"identity_providers")
	a := AuthServer{Issuer: DefaultIssuer, AccessTokenTTL: DefaultAccessTokenTTL,
		RefreshTokenIdleTTL: DefaultRefreshTokenIdleTTL, RefreshTokenTTL: DefaultRefreshTokenTTL}
	if t, ok := d.str(f.get("issuer")); ok {
		if err := oauthrule.CheckIssuer(t.value, true); err != nil {
			d.errorf(t.node, "issuer %s %v", t.quoted(), err)
		}
		a.Issuer = t.value
	}
	a.Audience = a.Issuer
	if t, ok := d.str(f.get("audience")); ok {
		if t.value == "" {
			d.errorf(t.node, "audience must not be empty (leave it out to use the issuer)")
		}
		a.Audience = t.value
	}
	if ttl, ok := d.duration(f.get("access_token_ttl"), DefaultAccessTokenTTL); ok {
		if ttl < MinAccessTokenTTL || ttl > MaxAccessTokenTTL {
			d.errorf(f.get("access_token_ttl"), "access_token_ttl must be between 1m and 24h")
		}
		a.AccessTokenTTL = ttl
	}
	d.refreshTTLs(f, &a)
	a.Scopes = d.scopes(f.get("scopes"))
	a.Resources = d.resources(f.get("resources"), a.Scopes)
	users := d.users(f.get("users"))
	a.Users = users.list
	a.Clients = d.clients(f.get("clients"), users.byName, a.Scopes)
	a.Branding = d.branding(f.get("branding"))
	a.IdentityProviders = d.identityProviders(f.get("identity_providers"), a.Issuer, users.byName, a.Clients)
	if t, ok := d.str(f.get("session_secret")); ok {
		// The value is never quoted: it usually comes from the environment.
		if len(t.value) < MinSessionSecretLength {
			d.errorf(t.node, "session_secret must be at least %d characters (e.g. openssl rand -base64 48)", MinSessionSecretLength)
		}
		a.SessionSecret = t.value
	}
	return a
}

// scopes reads the name: description mapping, keeping file order, which
// is the order the consent page lists them in.
func (d *decoder) scopes(n *yaml.Node) []Scope {
	var out []Scope
	for _, e := range d.entries(n) {
		if !oauthrule.ValidScopeToken(e.key) {
			d.errorf(e.kNode, "invalid scope name %q (no spaces, quotes or backslashes)", e.key)
			continue
		}
		t, ok := d.str(e.value)
		if !ok {
			if absent(e.value) {
				d.errorf(e.kNode, "scope %q needs a description: it is the text shown on the consent page", e.key)
			}
			continue
		}
		if strings.TrimSpace(t.value) == "" {
			d.errorf(t.node, "scope %q needs a description: it is the text shown on the consent page", e.key)
			continue
		}
		out = append(out, Scope{Name: e.key, Description: t.value})
	}
	return out
}

// userSet is the users section plus what clients are checked against.
type userSet struct {
	list   []User
	byName map[string]*yaml.Node // lower-cased username -> its node
}

func (d *decoder) users(n *yaml.Node) userSet {
	s := userSet{byName: map[string]*yaml.Node{}}
	for _, item := range d.list(n) {
		f := d.mapping(item, "username", "password_hash", "name", "email", "email_verified")
		if f.node.Kind != yaml.MappingNode {
			if absent(f.node) {
				d.errorf(f.node, "expected a user mapping, got nothing")
			}
			continue
		}
		var u User
		if t, ok := d.str(d.require(f, "username")); ok {
			key := oauthrule.CanonicalUsername(t.value)
			switch first, dup := s.byName[key]; {
			case oauthrule.CheckIdentifier(t.value) != nil:
				d.errorf(t.node, "username %s %v", t.quoted(), oauthrule.CheckIdentifier(t.value))
			case dup:
				d.errorf(t.node, "duplicate username %s (first at line %d; usernames ignore case)", t.quoted(), first.Line)
			default:
				s.byName[key] = t.node
			}
			u.Username = t.value
		}
		if t, ok := d.str(d.require(f, "password_hash")); ok {
			if !isBcrypt(t.value) {
				d.errorf(t.node, "password_hash is not a bcrypt hash (make one with scopegate hash-password)")
			}
			u.PasswordHash = t.value
		}
		if t, ok := d.str(f.get("name")); ok {
			u.Name = t.value
		}
		if t, ok := d.str(f.get("email")); ok {
			if !plainEmail(t.value) {
				d.errorf(t.node, "invalid email %s (want name@example.com)", t.quoted())
			}
			u.Email = t.value
		}
		if n := f.get("email_verified"); n != nil {
			v := d.boolean(n, false)
			u.EmailVerified = &v
		}
		s.list = append(s.list, u)
	}
	return s
}

func (d *decoder) branding(n *yaml.Node) Branding {
	f := d.mapping(n, "product_name", "logo_url", "accent_color")
	var b Branding
	if t, ok := d.str(f.get("product_name")); ok {
		b.ProductName = t.value
	}
	// An empty value means the pages' own default, like a missing one.
	if t, ok := d.str(f.get("logo_url")); ok && t.value != "" {
		if p := logoProblem(t.value); p != "" {
			d.errorf(t.node, "logo_url %s", p)
		}
		b.LogoURL = t.value
	}
	if t, ok := d.str(f.get("accent_color")); ok && t.value != "" {
		if !hexColor(t.value) {
			d.errorf(t.node, "accent_color %s must be #rgb or #rrggbb", t.quoted())
		}
		b.AccentColor = t.value
	}
	return b
}

// refreshTTLs reads the refresh token lifetimes: each between 1m and
// 366 days (8784h), the idle one no longer than the absolute one.
func (d *decoder) refreshTTLs(f fields, a *AuthServer) {
	idleNode, absNode := f.get("refresh_token_idle_ttl"), f.get("refresh_token_ttl")
	idle, idleSet := d.duration(idleNode, DefaultRefreshTokenIdleTTL)
	abs, absSet := d.duration(absNode, DefaultRefreshTokenTTL)
	bad := false
	if idleSet && (idle < MinRefreshTokenTTL || idle > MaxRefreshTokenTTL) {
		d.errorf(idleNode, "refresh_token_idle_ttl must be between 1m and 8784h")
		bad = true
	}
	if absSet && (abs < MinRefreshTokenTTL || abs > MaxRefreshTokenTTL) {
		d.errorf(absNode, "refresh_token_ttl must be between 1m and 8784h")
		bad = true
	}
	if !bad && idle > abs {
		n := idleNode
		if !idleSet {
			n = absNode
		}
		d.errorf(n, "refresh_token_idle_ttl (%s) must not exceed refresh_token_ttl (%s)", idle, abs)
	}
	a.RefreshTokenIdleTTL, a.RefreshTokenTTL = idle, abs
}
