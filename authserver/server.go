package authserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/gorilla/securecookie"
	"go.uber.org/zap"
	"golang.org/x/crypto/bcrypt"

	"github.com/scopegate/scopegate/authserver/pages"
	"github.com/scopegate/scopegate/clientip"
	"github.com/scopegate/scopegate/oauthrule"
	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/token"
)

// User is a local account that can sign in.
type User struct {
	Username     string
	PasswordHash string // bcrypt
	Name         string
	Email        string
	// EmailVerified is the email_verified claim; nil leaves it out.
	EmailVerified *bool
}

// Client is a registered client application. A client with neither Secret
// nor SecretHash is public and must use PKCE with S256.
type Client struct {
	ID   string
	Name string // shown on the consent page; defaults to ID
	// Secret is the plaintext secret from the config (usually expanded from
	// the environment). It is hashed in New and never kept.
	Secret string
	// SecretHash is a bcrypt hash of the secret, as an alternative to Secret.
	SecretHash   string
	RedirectURIs []string
	// GrantTypes allowed: "authorization_code", "client_credentials",
	// "refresh_token" (a refresh token comes with each code exchange). If
	// empty, only "authorization_code".
	GrantTypes []string
	// Scopes the client may request; each must be declared in Config.Scopes,
	// except the OpenID scopes openid, profile and email.
	Scopes []string
	// IDTokenSignedResponseAlg is "RS256" (the default when empty) or
	// "ES256" (OpenID Connect Dynamic Client Registration §2).
	IDTokenSignedResponseAlg string
	// PostLogoutRedirectURIs are where RP-initiated logout may send the
	// browser back to, compared exactly (OpenID Connect RP-Initiated
	// Logout §3.1).
	PostLogoutRedirectURIs []string
	// FirstParty marks a client that is part of this product, such as the
	// gateway signing people in to protected pages: it never shows the
	// consent page, and ExchangeCode redeems its codes in-process. The
	// config file cannot set it.
	FirstParty bool
}

// Scope is a scope clients may ask for, with the text shown on consent.
type Scope struct {
	Name        string
	Description string
}

// Config configures a Server. Issuer and Store are required.
type Config struct {
	// Issuer is the external base URL ("https://auth.example.com"), used as
	// "iss" and to build every endpoint URL. It is never taken from requests.
	Issuer string
	// Audience is the "aud" of access tokens. If empty, Issuer.
	Audience string
	// AccessTokenTTL is the lifetime of access and ID tokens. If zero, 10 minutes.
	AccessTokenTTL time.Duration
	// CodeTTL is the lifetime of authorization codes. If zero, 60 seconds.
	CodeTTL time.Duration
	// RefreshTokenIdleTTL is how long a refresh token works unused, and
	// RefreshTokenTTL how long its family of rotations lasts from the
	// code, however often used (RFC 9700 §4.14.2). If zero,
	// DefaultRefreshTokenIdleTTL and DefaultRefreshTokenTTL.
	RefreshTokenIdleTTL time.Duration
	RefreshTokenTTL     time.Duration

	Users   []User
	Clients []Client
	Scopes  []Scope

	// Store keeps signing keys, codes, consents and the cookie keys.
	Store store.Store
	// Brand is shown on every page.
	Brand pages.Brand

	// CookieHashKey (32 or 64 bytes) and CookieBlockKey (16, 24 or 32 bytes)
	// protect sessions and pending requests. If nil, keys are generated
	// once and kept in the store, so every instance shares them.
	CookieHashKey, CookieBlockKey []byte

	// Revoked, if not nil, receives the tokens this server revokes, for a
	// gateway in the same process to refuse at once; userinfo refuses them
	// too. They are recorded in Store either way. New fills it with the
	// store's revocations still in force; FollowRevocations keeps it current.
	Revoked *token.RevocationList

	// OnLogout, if set, runs when a browser signs out at /oauth2/logout,
	// before the response is sent, so that sessions built on this server's
	// sign-in (the gateway's) end too. It may set cookies on w.
	OnLogout func(w http.ResponseWriter, r *http.Request)

	// IdentityProviders are upstream OpenID providers offered on the login
	// page. UpstreamHTTPClient talks to them; if nil, a client with a
	// 5-second timeout.
	IdentityProviders  []IdentityProvider
	UpstreamHTTPClient *http.Client

	// Logger receives the server's logs. If nil, zap.NewNop().
	Logger *zap.Logger
	// Audit, if not nil, receives one entry per security event (sign-ins,
	// consents, tokens, revocations, rate-limit blocks), each with the
	// event name as message; see the package documentation.
	Audit *zap.Logger
	// Now returns the current time. If nil, time.Now.
	Now func() time.Time
	// Resources are the item types users pick on the consent page (RFC
	// 9396 authorization_details); reloadable.
	Resources []Resource
	// Fetch lists a user's items and fetches their thumbnails from a
	// gateway upstream; required when Resources is not empty. ItemsTimeout
	// bounds each such call; if zero, 5 seconds.
	Fetch        FetchFunc
	ItemsTimeout time.Duration
	// TrustedProxies are the balancers whose X-Forwarded-For names the
	// client that login and client-secret limits and the audit log count
	// (package clientip says how it is read); reloadable.
	TrustedProxies []netip.Prefix
	// ReadTimeout bounds how long a request may take to arrive, body
	// included; its answer then has as long again to leave. If zero,
	// DefaultReadTimeout.
	ReadTimeout time.Duration
}

// Defaults for zero Config values.
const (
	DefaultAccessTokenTTL = 10 * time.Minute
	DefaultCodeTTL        = 60 * time.Second
	DefaultReadTimeout    = 10 * time.Second

	DefaultRefreshTokenIdleTTL = 14 * 24 * time.Hour
	DefaultRefreshTokenTTL     = 90 * 24 * time.Hour
)

// Server is the authorization server. Build it with New and register its
// routes with Mount. It is safe for concurrent use.
type Server struct {
	issuer   string
	audience string
	atTTL    time.Duration
	codeTTL  time.Duration
	rtIdle   time.Duration // Config.RefreshTokenIdleTTL
	rtTTL    time.Duration // Config.RefreshTokenTTL
	readTO   time.Duration // Config.ReadTimeout
	secure   bool          // issuer is https: Secure cookies

	users      map[string]*User // by canonical username
	trusted    clientip.Trusted // Config.TrustedProxies
	clients    map[string]*client
	scopes     map[string]Scope
	scopeNames []string // declared order, for discovery

	store    store.Store
	log      *zap.Logger
	auditLog *zap.Logger // nil: no audit log
	now      func() time.Time
	pages    renderer
	keys     *keyring
	verifier *token.Verifier

	cookies *securecookie.SecureCookie // session cookie
	pending *securecookie.SecureCookie // sealed authorization requests
	csrfKey []byte
	credKey []byte // keys the fingerprints in credentials
	// attemptKey MACs the keys of the shared attempt limits.
	attemptKey []byte
	// credentials fingerprints each user's password hash, by canonical
	// username; sessions carry the fingerprint of their login.
	credentials map[string][]byte
	// refreshCredentials is the same for refresh tokens, unkeyed
	// (refresh_credential.go).
	refreshCredentials map[string][]byte
	dummyHash          []byte // bcrypt hash compared for unknown users

	onLogout func(w http.ResponseWriter, r *http.Request)

	revoked   *token.RevocationList
	secrets   *secretChecker
	logins    *limiter       // failed logins per account and client address
	addrs     *limiter       // failed logins per client address
	accounts  *spreadLimiter // addresses with failed logins per account
	clientRL  *limiter       // failed client authentications per client and address
	clientsRL *spreadLimiter // addresses with failed client authentications per client
	seen      *limiter       // code_challenge and nonce values already used

	hashes  *hashGate  // bounds concurrent bcrypt comparisons
	touches *touchMemo // grants whose use this process recorded lately
	// bcryptCompare is bcrypt.CompareHashAndPassword; tests count calls.
	bcryptCompare func(hash, password []byte) error

	upstreams     map[string]*upstream // by provider id
	upstreamOrder []*upstream          // config order, for the login page
	upstreamHTTP  *http.Client
	stateKey      []byte // keys upstreamStateID

	resources    map[string]*resource // by type
	resOrder     []*resource          // config order
	scopeType    map[string]*resource // narrowed scope -> its type
	fetch        FetchFunc
	itemsTimeout time.Duration
	listings     *listingCache
}

// New checks cfg, loads or creates the signing key and cookie keys in the
// store, and returns a ready Server.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if err := validateConfig(&cfg); err != nil {
		return nil, err
	}
	s := &Server{
		issuer:   cfg.Issuer,
		audience: cfg.Audience,
		atTTL:    cfg.AccessTokenTTL,
		codeTTL:  cfg.CodeTTL,
		rtIdle:   cfg.RefreshTokenIdleTTL,
		rtTTL:    cfg.RefreshTokenTTL,
		store:    cfg.Store,
		revoked:  cfg.Revoked,
		onLogout: cfg.OnLogout,
		log:      cfg.Logger,
		auditLog: cfg.Audit,
		now:      cfg.Now,
	}
	if s.audience == "" {
		s.audience = s.issuer
	}
	if s.atTTL == 0 {
		s.atTTL = DefaultAccessTokenTTL
	}
	if s.codeTTL == 0 {
		s.codeTTL = DefaultCodeTTL
	}
	if s.rtIdle == 0 {
		s.rtIdle = DefaultRefreshTokenIdleTTL
	}
	if s.rtTTL == 0 {
		s.rtTTL = DefaultRefreshTokenTTL
	}
	if s.readTO = cfg.ReadTimeout; s.readTO <= 0 {
		s.readTO = DefaultReadTimeout
	}
	if s.log == nil {
		s.log = zap.NewNop()
	}
	s.log = s.log.Named("authserver")
	if s.now == nil {
		s.now = time.Now
	}
	s.secure = strings.HasPrefix(s.issuer, "https://")
	s.fetch, s.itemsTimeout, s.listings = cfg.Fetch, cfg.ItemsTimeout, newListingCache()
	if s.itemsTimeout <= 0 {
		s.itemsTimeout = defaultItemsTimeout
	}
	// Identity providers need a restart to change (Reconfigure keeps them).
	s.upstreams = map[string]*upstream{}
	for _, p := range cfg.IdentityProviders {
		if p.Name == "" {
			p.Name = p.ID
		}
		if len(p.Scopes) == 0 {
			p.Scopes = slices.Clone(identityScopes)
		}
		up := &upstream{IdentityProvider: p}
		s.upstreams[p.ID] = up
		s.upstreamOrder = append(s.upstreamOrder, up)
	}
	s.upstreamHTTP = cfg.UpstreamHTTPClient
	if s.upstreamHTTP == nil {
		s.upstreamHTTP = upstreamHTTPClient()
	}
	var err error
	if s.secrets, err = newSecretChecker(); err != nil {
		return nil, err
	}
	if err := s.initCookies(ctx, cfg.CookieHashKey, cfg.CookieBlockKey); err != nil {
		return nil, err
	}
	if err := s.setDirectory(cfg, nil); err != nil {
		return nil, err
	}
	if s.keys, err = newKeyring(ctx, s.store, s.atTTL, s.now, s.log); err != nil {
		return nil, err
	}
	if s.revoked == nil {
		s.revoked = new(token.RevocationList)
	}
	if _, err := s.loadRevocations(ctx, time.Time{}); err != nil {
		return nil, err
	}
	// userinfo must refuse what the gateway refuses, revocations included.
	s.verifier, err = token.NewVerifier(token.Config{
		Issuers: []token.Issuer{{URL: s.issuer, Audience: s.audience, Keys: s.KeySet(), Revoked: s.revoked}},
		Now:     s.now,
	})
	if err != nil {
		return nil, fmt.Errorf("authserver: building token verifier: %w", err)
	}
	// Five tries per account from one address, twenty per address. The
	// account-wide limit only stops guessing spread over many addresses:
	// it counts addresses, not failures (ten addresses, so at most fifty
	// guesses), so that one address can never lock a user out.
	s.logins = newLimiter(5, 15*time.Minute, s.now)
	s.addrs = newLimiter(20, 15*time.Minute, s.now)
	s.accounts = newSpreadLimiter(10, 15*time.Minute, s.now)
	// Twenty wrong client secrets a minute from one address, and five
	// failing addresses per client (a hundred guesses) from anywhere: the
	// second bounds guessing and bcrypt work spread over many addresses.
	// A client whose secret passed once is never slowed down.
	s.clientRL = newLimiter(20, time.Minute, s.now)
	s.clientsRL = newSpreadLimiter(5, time.Minute, s.now)
	s.hashes = defaultHashGate()
	s.touches = &touchMemo{}
	s.bcryptCompare = bcrypt.CompareHashAndPassword
	s.seen = newLimiter(1, pendingLifetime, s.now)
	return s, nil
}

// Reconfigure returns a Server for a changed config: it takes the users,
// clients, scopes and brand from cfg and shares everything else with s
// (store, signing keys, cookie keys, rate limits, revocations), so sessions,
// codes and limits carry over. Issuer, audience, lifetimes, cookie keys,
// store and loggers stay as New set them, whatever cfg says. s is not
// changed: requests that hold it finish on the old config, and the caller
// swaps in the result for new requests (hot reload). A user whose password
// hash changed or who was removed is signed out.
func (s *Server) Reconfigure(cfg Config) (*Server, error) {
	if err := validateConfig(&cfg); err != nil {
		return nil, err
	}
	n := *s
	if err := n.setDirectory(cfg, s); err != nil {
		return nil, err
	}
	return &n, nil
}

// setDirectory fills what a config reload may change (new reloadable
// Config fields are read here): scopes, users (and
// their session fingerprints), clients and pages. prev, if not nil, is the
// server being replaced; what it learned that is still true (a verified
// client secret, the dummy hash) is kept.
func (s *Server) setDirectory(cfg Config, prev *Server) error {
	s.scopes = make(map[string]Scope, len(cfg.Scopes))
	s.scopeNames = append(slices.Clone(identityScopes), scopeOfflineAccess)
	for _, sc := range cfg.Scopes {
		s.scopes[sc.Name] = sc
		if !slices.Contains(s.scopeNames, sc.Name) {
			s.scopeNames = append(s.scopeNames, sc.Name)
		}
	}
	s.resources = make(map[string]*resource, len(cfg.Resources))
	s.scopeType = map[string]*resource{}
	s.resOrder = nil
	for _, r := range cfg.Resources {
		res, err := newResource(r)
		if err != nil {
			return err
		}
		s.resources[r.Type] = res
		s.resOrder = append(s.resOrder, res)
		for _, sc := range r.Scopes {
			s.scopeType[sc] = res
		}
	}
	s.trusted = slices.Clone(cfg.TrustedProxies)
	s.users = make(map[string]*User, len(cfg.Users))
	for i := range cfg.Users {
		u := cfg.Users[i]
		s.users[oauthrule.CanonicalUsername(u.Username)] = &u
	}
	s.credentials = make(map[string][]byte, len(s.users))
	s.refreshCredentials = make(map[string][]byte, len(s.users))
	for name, u := range s.users {
		s.credentials[name] = credentialFingerprint(s.credKey, name, u.PasswordHash)
		s.refreshCredentials[name] = refreshCredential(name, u.PasswordHash)
	}
	s.clients = make(map[string]*client, len(cfg.Clients))
	for _, c := range cfg.Clients {
		nc := s.secrets.register(c)
		if prev != nil {
			if old := prev.clients[c.ID]; old != nil && bytes.Equal(old.secretHash, nc.secretHash) {
				nc.verified.Store(old.verified.Load())
			}
		}
		s.clients[c.ID] = nc
	}
	var err error
	if s.pages, err = newRenderer(cfg.Brand); err != nil {
		return fmt.Errorf("authserver: loading pages: %w", err)
	}
	if prev != nil && dummyCost(prev.dummyHash) == maxUserCost(cfg.Users) {
		s.dummyHash = prev.dummyHash
	} else if s.dummyHash, err = dummyPasswordHash(cfg.Users); err != nil {
		return err
	}
	return nil
}

// Mount registers every route of the server on mux.
func (s *Server) Mount(mux *http.ServeMux) {
	api := func(h http.HandlerFunc) http.Handler { return s.bounded(withRequestID(apiHeaders(h))) }
	page := func(h http.HandlerFunc) http.Handler { return s.bounded(withRequestID(pageHeaders(h))) }

	mux.Handle("GET /.well-known/oauth-authorization-server", api(s.handleMetadata))
	mux.Handle("GET /.well-known/openid-configuration", api(s.handleMetadata))
	mux.Handle("GET /oauth2/jwks", api(s.handleJWKS))
	mux.Handle("POST /oauth2/token", api(s.handleToken))
	mux.Handle("GET /oauth2/userinfo", api(s.handleUserinfo))
	mux.Handle("POST /oauth2/userinfo", api(s.handleUserinfo))
	mux.Handle("POST /oauth2/revoke", api(s.handleRevocation))
	mux.Handle("POST /oauth2/introspect", api(s.handleIntrospection))
	mux.Handle("OPTIONS /oauth2/token", api(handlePreflight))
	mux.Handle("OPTIONS /oauth2/userinfo", api(handlePreflight))

	mux.Handle("GET /oauth2/authorize", page(s.handleAuthorize))
	mux.Handle("POST /oauth2/authorize", page(s.handleAuthorize))
	// "GET" would also serve HEAD, and a HEAD (a link checker, a prefetch)
	// must not spend the user's session on a code.
	mux.Handle("HEAD /oauth2/authorize", page(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "GET, POST")
		w.WriteHeader(http.StatusMethodNotAllowed)
	}))
	mux.Handle("GET /oauth2/login", page(s.handleLoginPage))
	mux.Handle("POST /oauth2/login", page(s.handleLogin))
	mux.Handle("GET /oauth2/consent", page(s.handleConsentPage))
	mux.Handle("POST /oauth2/consent", page(s.handleConsent))
	mux.Handle("GET /oauth2/account", page(s.handleAccount))
	mux.Handle("GET /oauth2/thumbnail", page(s.handleThumbnail))
	mux.Handle("GET /oauth2/account/items", page(s.handlePickPage))
	mux.Handle("POST /oauth2/account/items", page(s.handlePick))
	mux.Handle("POST /oauth2/account/revoke", page(s.handleRevoke))
	mux.Handle("GET /oauth2/logout", page(s.handleLogoutPage))
	mux.Handle("POST /oauth2/logout", page(s.handleLogout))
	mux.Handle("POST /oauth2/idp/{id}/start", page(s.handleUpstreamStart))
	mux.Handle("GET /oauth2/idp/{id}/callback", page(s.handleUpstreamCallback))
	mux.Handle("GET /oauth2/static/", s.bounded(http.StripPrefix("/oauth2/static/", s.pages.Static())))
}

// endpoint returns the absolute URL of one of the server's paths.
func (s *Server) endpoint(path string) string { return s.issuer + path }

// validateConfig reports every problem of cfg at once.
func validateConfig(cfg *Config) error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf("authserver: "+format, a...)) }

	if cfg.Issuer == "" {
		add("issuer is required")
	} else if err := oauthrule.CheckIssuer(cfg.Issuer, true); err != nil {
		add("issuer %q %v", cfg.Issuer, err)
	}
	if cfg.Store == nil {
		add("store is required")
	}
	if cfg.AccessTokenTTL < 0 || cfg.CodeTTL < 0 {
		add("token and code lifetimes must not be negative")
	}
	if cfg.RefreshTokenIdleTTL < 0 || cfg.RefreshTokenTTL < 0 {
		add("refresh token lifetimes must not be negative")
	}
	if cfg.CodeTTL > 10*time.Minute {
		add("code lifetime %s exceeds 10m (RFC 6749 §4.1.2)", cfg.CodeTTL)
	}
	declared := map[string]bool{"openid": true, "profile": true, "email": true}
	for _, sc := range cfg.Scopes {
		switch {
		case sc.Name == "openid":
			// profile and email may be declared, to word their consent text.
			add("scope openid is built in and must not be declared")
		case !oauthrule.ValidScopeToken(sc.Name):
			add("scope %q is not a valid scope name", sc.Name)
		}
		declared[sc.Name] = true
	}
	errs = append(errs, validateResources(cfg, declared)...)
	usernames := map[string]bool{}
	for _, usr := range cfg.Users {
		c := oauthrule.CanonicalUsername(usr.Username)
		switch {
		case c == "":
			add("a user has no username")
		case oauthrule.CheckIdentifier(usr.Username) != nil:
			add("username %q %v", usr.Username, oauthrule.CheckIdentifier(usr.Username))
		case usernames[c]:
			add("user %q is defined twice", usr.Username)
		case !strings.HasPrefix(usr.PasswordHash, "$2"):
			add("user %q: password_hash must be a bcrypt hash", usr.Username)
		}
		usernames[c] = true
	}
	ids := map[string]bool{}
	for _, c := range cfg.Clients {
		errs = append(errs, validateClient(c, declared, usernames, ids)...)
		ids[c.ID] = true
	}
	errs = append(errs, validateProviders(cfg.IdentityProviders, cfg.Issuer, usernames, ids)...)
	return errors.Join(errs...)
}

func validateClient(c Client, declared, usernames, ids map[string]bool) []error {
	var errs []error
	add := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("authserver: client %q: "+format, append([]any{c.ID}, a...)...))
	}
	switch {
	case c.ID == "":
		add("id is required")
	case oauthrule.CheckIdentifier(c.ID) != nil:
		add("id %v", oauthrule.CheckIdentifier(c.ID))
	case ids[c.ID]:
		add("defined twice")
	case usernames[oauthrule.CanonicalUsername(c.ID)]:
		// RFC 9700 §4.15.1: "sub" of client_credentials tokens is the client
		// id, so it must never name a user.
		add("id equals a username")
	}
	if c.Secret != "" && c.SecretHash != "" {
		add("set secret or secret_hash, not both")
	}
	if c.SecretHash != "" && !strings.HasPrefix(c.SecretHash, "$2") {
		add("secret_hash must be a bcrypt hash")
	}
	if c.Secret != "" && len(c.Secret) < 16 {
		add("secret is shorter than 16 characters")
	}
	public := c.Secret == "" && c.SecretHash == ""
	for _, g := range c.GrantTypes {
		switch {
		case g == oauthrule.GrantClientCredentials && public:
			add("a public client cannot use client_credentials")
		case !oauthrule.KnownGrantType(g):
			add("grant type %q is not supported", g)
		}
	}
	for _, sc := range c.Scopes {
		if !declared[sc] {
			add("scope %q is not declared", sc)
		}
	}
	for _, ru := range c.RedirectURIs {
		if err := oauthrule.CheckRedirectURI(ru); err != nil {
			add("redirect URI %q %v", ru, err)
		}
	}
	for _, ru := range c.PostLogoutRedirectURIs {
		if err := oauthrule.CheckRedirectURI(ru); err != nil {
			add("post-logout redirect URI %q %v", ru, err)
		}
	}
	switch c.IDTokenSignedResponseAlg {
	case "", string(jose.RS256), string(jose.ES256):
	default:
		add("id_token_signed_response_alg %q is not RS256 or ES256", c.IDTokenSignedResponseAlg)
	}
	if len(c.RedirectURIs) == 0 && slices.Contains(grantTypesOrDefault(c.GrantTypes), oauthrule.GrantAuthorizationCode) {
		add("authorization_code needs at least one redirect URI")
	}
	return errs
}

func grantTypesOrDefault(g []string) []string {
	if len(g) == 0 {
		return []string{oauthrule.GrantAuthorizationCode}
	}
	return g
}

// validateProviders checks the identity providers. Their IDs prefix their
// users' subjects, so no such subject may equal a username or a client ID
// (RFC 9700 §4.15.1).
func validateProviders(providers []IdentityProvider, issuer string, usernames, clientIDs map[string]bool) []error {
	var errs []error
	seen := map[string]bool{}
	for _, p := range providers {
		add := func(format string, a ...any) {
			errs = append(errs, fmt.Errorf("authserver: identity provider %q: "+format, append([]any{p.ID}, a...)...))
		}
		switch {
		case p.ID == "" || strings.ContainsAny(p.ID, ":/?#% ") || strings.ToLower(p.ID) != p.ID:
			add("id must be lower-case letters, digits and dashes")
		case seen[p.ID]:
			add("defined twice")
		}
		seen[p.ID] = true
		for name := range usernames {
			if strings.HasPrefix(name, p.ID+":") {
				add("username %q starts with %q", name, p.ID+":")
			}
		}
		for id := range clientIDs {
			if strings.HasPrefix(strings.ToLower(id), p.ID+":") {
				add("client id %q starts with %q", id, p.ID+":")
			}
		}
		if err := oauthrule.CheckIssuer(p.Issuer, false); err != nil {
			add("issuer %q %v", p.Issuer, err)
		} else if strings.TrimSuffix(p.Issuer, "/") == issuer {
			add("issuer is this server itself")
		}
		if p.ClientID == "" {
			add("client_id is required")
		}
		if len(p.Scopes) > 0 && !slices.Contains(p.Scopes, "openid") {
			add("scopes must include openid")
		}
	}
	return errs
}
