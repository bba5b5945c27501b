package config

import (
	"net/netip"
	"net/url"
	"time"

	"gopkg.in/yaml.v3"

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
	Listen      string // public: authorization server + gateway; default ":8080"
	AdminListen string // /healthz, /readyz, /metrics; default "127.0.0.1:9090"; never equal to Listen
	// Hosts are host names (or IP addresses) the public listener answers
	// for besides the ones it always allows; see File.AllowedHosts.
	// Lower-case, no port.
	Hosts          []string
	TrustedProxies []netip.Prefix // peers whose X-Forwarded-* headers are believed; a bare IP becomes a /32 or /128
	// MaxConnections caps the public listener's open connections; 0 (the
	// default) derives the cap from the open-file limit.
	MaxConnections  int
	ReadTimeout     time.Duration // authorization server requests, headers and body; default 10s
	BodyIdleTimeout time.Duration // gateway bodies: longest stall reading the request or writing the answer; default 30s
	IdleTimeout     time.Duration // keep-alive wait for the next request; default 60s
}

// Log is the log section.
type Log struct {
	Level  string // debug, info (default), warn or error
	Format string // json (default) or console
	Access bool   // one line per gateway request; default true
	// Audit is where security events go: "" (off, the default), "stdout",
	// "stderr" or a file path, appended to.
	Audit string
}

// Store is the store section.
type Store struct {
	Driver string // sqlite (default) or postgres
	DSN    string // default "scopegate.db" for sqlite; required for postgres
	// Timeout is each store call's deadline; 0: the backend's default
	// (5s). A call past it fails and the request gets 503.
	Timeout time.Duration
	// MaxConnections caps the PostgreSQL pool; 0: the default (20).
	MaxConnections int
}

// AuthServer is the authserver section.
type AuthServer struct {
	Issuer         string        // external URL without trailing slash; default "http://localhost:8080"
	Audience       string        // aud of issued access tokens; default Issuer
	AccessTokenTTL time.Duration // default 10m; between 1m and 24h
	Users          []User
	Clients        []Client
	Scopes         []Scope // in file order, which is the order shown on the consent page
	// Resources are the item types a user picks on the consent page
	// (RFC 9396 authorization_details), in file order.
	Resources []Resource
	Branding  Branding
	// SessionSecret, when set, is where the login-session and CSRF cookie
	// keys are derived from (at least 32 characters, usually ${VAR}).
	// Empty: keys are generated once and kept in the store.
	SessionSecret string
	// IdentityProviders are upstream OpenID providers offered on the
	// login page, in file order.
	IdentityProviders []IdentityProvider

	// RefreshTokenIdleTTL is how long a refresh token works unused
	// (default 336h); RefreshTokenTTL how long a family of rotated refresh
	// tokens lasts from the sign-in, however often used (default 2160h).
	RefreshTokenIdleTTL time.Duration
	RefreshTokenTTL     time.Duration
}

// Resource is one item type of authserver.resources: the scopes narrowed
// to picked items, and how to list a user's items.
type Resource struct {
	Type     string   // RFC 9396 authorization_details type
	Scopes   []string // narrowed to the picked items of this type
	List     ResourceList
	MaxItems int // the most items one grant may hold; default 200

	node *yaml.Node
}

// ResourceList says how the consent page lists the signed-in user's items:
// GET Path on Upstream with X-Auth-Subject, as the gateway would call it.
type ResourceList struct {
	Upstream  string // a gateway upstream
	Path      string // absolute path, no query
	Items     string // JSON field holding the array; "" when the answer is the array
	ID        string // field of an item holding its id
	Label     string // field of an item shown next to its checkbox
	Thumbnail string // optional path with {id}, fetched for the picture

	upstreamNode *yaml.Node
}

// User is one local account.
type User struct {
	Username     string // unique, compared case-insensitively
	PasswordHash string // bcrypt
	Name         string // optional
	Email        string // optional
	// EmailVerified is the email_verified claim; nil when the key is absent.
	EmailVerified *bool
}

// Client is one registered client application.
type Client struct {
	ID           string
	Name         string   // shown on the consent page; default ID
	Secret       string   // plain secret (usually ${VAR}); at most one of Secret and SecretHash
	SecretHash   string   // bcrypt hash of the secret
	RedirectURIs []string // exact strings; required for authorization_code
	GrantTypes   []string // authorization_code and/or client_credentials; default [authorization_code]
	Scopes       []string // scopes the client may request; each declared in AuthServer.Scopes or openid, profile, email
	// IDTokenSignedResponseAlg is RS256 (default) or ES256.
	IDTokenSignedResponseAlg string
	// PostLogoutRedirectURIs are where RP-initiated logout may return to.
	PostLogoutRedirectURIs []string
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

// Gateway is the gateway section. Its routes are compiled into
// File.Policy.
type Gateway struct {
	TrustedIssuers []TrustedIssuer
	Upstreams      []Upstream // in file order
	Browser        Browser
}

// Browser configures the sessions of routes with "login: browser".
type Browser struct {
	// SessionLifetime bounds how long after typing a password a person
	// stays signed in at the gateway.
	SessionLifetime time.Duration
	// IdleTimeout ends a session unused for this long.
	IdleTimeout time.Duration
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
	URL               *url.URL // absolute http or https, no query or fragment
	PassAuthorization bool     // forward the bearer token; default false
	// CaseInsensitive says the backend serves paths without regard to
	// case, so its routes match that way too; default false.
	CaseInsensitive bool
	Timeout         time.Duration // 0 means the gateway's default
	MaxConnections  int           // requests in flight (and connections); 0: the gateway's default (256)
	IdleConnections int           // connections kept for reuse; 0: MaxConnections
	StallTimeout    time.Duration // longest a connection may go without progress; 0: 60s or Timeout if longer
}
