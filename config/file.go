package config

import (
	"net/netip"
	"net/url"
	"time"

	"github.com/scopegate/scopegate/policy"
)

// File is a parsed and validated config file. Every default is already
// filled in, so callers never need to know them.
type File struct {
	Path       string // the name given to Parse, used in diagnostics
	Server     Server
	Log        Log
	Store      Store
	AuthServer AuthServer
	Gateway    Gateway
	Policy     *policy.Set // gateway.routes compiled; never nil
}

// Server is the server section: where scopegate listens.
type Server struct {
	Listen         string         // public: authorization server + gateway; default ":8080"
	AdminListen    string         // /healthz, /readyz, /metrics; default "127.0.0.1:9090"; never equal to Listen
	TrustedProxies []netip.Prefix // peers whose X-Forwarded-* headers are believed; a bare IP becomes a /32 or /128
}

// Log is the log section.
type Log struct {
	Level  string // debug, info (default), warn or error
	Format string // json (default) or console
	Access bool   // one line per gateway request; default true
}

// Store is the store section.
type Store struct {
	Driver string // sqlite (default) or postgres
	DSN    string // default "scopegate.db" for sqlite; required for postgres
}

// AuthServer is the authserver section.
type AuthServer struct {
	Issuer         string        // external URL without trailing slash; default "http://localhost:8080"
	Audience       string        // aud of issued access tokens; default Issuer
	AccessTokenTTL time.Duration // default 10m; between 1m and 24h
	Users          []User
	Clients        []Client
	Scopes         []Scope // in file order, which is the order shown on the consent page
	Branding       Branding
	// SessionSecret, when set, is where the login-session and CSRF cookie
	// keys are derived from (at least 32 characters, usually ${VAR}).
	// Empty: keys are generated once and kept in the store.
	SessionSecret string
}

// User is one local account.
type User struct {
	Username     string // unique, compared case-insensitively
	PasswordHash string // bcrypt
	Name         string // optional
	Email        string // optional
}

// Client is one registered client application.
type Client struct {
	ID           string
	Name         string   // shown on the consent page; default ID
	Secret       string   // plain secret (usually ${VAR}); at most one of Secret and SecretHash
	SecretHash   string   // bcrypt hash of the secret
	RedirectURIs []string // exact strings; required for authorization_code
	GrantTypes   []string // authorization_code and/or client_credentials; default [authorization_code]
	Scopes       []string // scopes the client may request; each declared in AuthServer.Scopes or "openid"
}

// Public reports whether the client has no credentials (PKCE required).
func (c Client) Public() bool { return c.Secret == "" && c.SecretHash == "" }

// Scope is one scope a client may ask for, with its consent-page text.
type Scope struct {
	Name        string
	Description string
}

// Branding styles the login, consent and account pages.
type Branding struct {
	ProductName string // optional
	LogoURL     string // a path on this server or a data:image/ URL; never a third-party URL
	AccentColor string // "#rgb" or "#rrggbb"
}

// Gateway is the gateway section. Routes are compiled into File.Policy;
// Routes keeps them as decoded for tools that show the policy.
type Gateway struct {
	TrustedIssuers []TrustedIssuer
	Upstreams      []Upstream // in file order
	Routes         []policy.Route
}

// TrustedIssuer is another authorization server whose tokens the gateway
// accepts, found through OpenID discovery.
type TrustedIssuer struct {
	Issuer   string
	Audience string // required: the aud the gateway demands of that issuer's tokens
}

// Upstream is one backend the gateway forwards to.
type Upstream struct {
	Name              string
	URL               *url.URL      // absolute http or https, no query or fragment
	PassAuthorization bool          // forward the bearer token; default false
	Timeout           time.Duration // 0 means the gateway's default
}
