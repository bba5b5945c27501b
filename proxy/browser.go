package proxy

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/securecookie"
	"go.uber.org/zap"

	"github.com/scopegate/scopegate/oauthrule"
	"github.com/scopegate/scopegate/policy"
	"github.com/scopegate/scopegate/token"
)

// BrowserLogin makes the gateway an OAuth client of its own authorization
// server, so that routes with "login: browser" can sign people in with
// their browser and keep them signed in with a session cookie.
type BrowserLogin struct {
	// Issuer is the authorization server's external URL. Sign-in starts at
	// its /oauth2/authorize and comes back to its CallbackPath; the session
	// cookie belongs to its origin and is Secure when it is https.
	Issuer string
	// ClientID is the gateway's own client at the authorization server: a
	// first-party client, so that no consent page is shown.
	ClientID string
	// Exchange redeems an authorization code for an access token, which
	// the gateway then checks with its Verifier like any bearer token. r
	// is the callback request that brought the code.
	Exchange func(r *http.Request, code, redirectURI, codeVerifier string) (accessToken string, err error)
	// HashKey (at least 32 bytes) and BlockKey (16, 24 or 32) sign and
	// encrypt the session and sign-in cookies.
	HashKey, BlockKey []byte
	// Revoked lists revoked tokens and grants. A session dies with the
	// token it was made from and with the user's grant: checked on every
	// request.
	Revoked *token.RevocationList
	// Registered, if not nil, says whether a session's user and client are
	// still registered (token.Issuer.Registered): a session of a removed
	// user ends. Checked on every request.
	Registered func(c *token.Claims) error
	// SessionLifetime bounds how long ago the user may have typed a
	// password for a session to renew; past it they sign in again. If
	// zero, DefaultSessionLifetime.
	SessionLifetime time.Duration
	// IdleTimeout ends a session unused for this long. If zero,
	// DefaultIdleTimeout.
	IdleTimeout time.Duration
	// ErrorPage renders an HTML error for people (a 403 for a session
	// lacking scopes, a failed sign-in). If nil, a plain page is used.
	ErrorPage func(w http.ResponseWriter, status int, title, description string)
}

// Defaults of BrowserLogin durations.
const (
	DefaultSessionLifetime = 8 * time.Hour
	DefaultIdleTimeout     = 30 * time.Minute
)

// CallbackPath is where the authorization server sends the browser back
// with the code; the wiring mounts [Gateway.SignInCallback] there.
const CallbackPath = "/oauth2/gateway/callback"

// Cookie names under http; under https they take the __Host- prefix, so
// that no subdomain can plant one (RFC 6265bis §4.1.3.2).
const (
	sessionCookieBase = "scopegate_gateway"
	signInCookieBase  = "scopegate_gateway_signin"
)

// browser is the gateway's sign-in state, built once in New.
type browser struct {
	cfg          BrowserLogin
	origin       string // scheme://host[:port] of the issuer
	callback     string // absolute redirect URI
	authorize    string // absolute authorization endpoint
	secure       bool
	sessionName  string
	signInName   string
	sessions     *securecookie.SecureCookie
	signIns      *securecookie.SecureCookie
	cache        *sessionCache
	refreshAfter time.Duration // rewrite the cookie's last-seen time this often
}

// signInLifetime bounds a sign-in round trip (the user typing a password).
const signInLifetime = 15 * time.Minute

func newBrowser(cfg BrowserLogin) (*browser, error) {
	u, err := url.Parse(cfg.Issuer)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.User != nil {
		return nil, fmt.Errorf("proxy: browser login: issuer %q must be an http(s) origin", cfg.Issuer)
	}
	switch {
	case cfg.ClientID == "":
		return nil, errors.New("proxy: browser login: no client id")
	case cfg.Exchange == nil:
		return nil, errors.New("proxy: browser login: no code exchange")
	case len(cfg.HashKey) < 32:
		return nil, errors.New("proxy: browser login: hash key shorter than 32 bytes")
	case len(cfg.BlockKey) != 16 && len(cfg.BlockKey) != 24 && len(cfg.BlockKey) != 32:
		return nil, errors.New("proxy: browser login: block key must have 16, 24 or 32 bytes")
	case cfg.SessionLifetime < 0 || cfg.IdleTimeout < 0:
		return nil, errors.New("proxy: browser login: negative duration")
	}
	if cfg.SessionLifetime == 0 {
		cfg.SessionLifetime = DefaultSessionLifetime
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.Revoked == nil {
		cfg.Revoked = new(token.RevocationList)
	}
	b := &browser{
		cfg:          cfg,
		origin:       u.Scheme + "://" + u.Host,
		callback:     u.Scheme + "://" + u.Host + CallbackPath,
		authorize:    u.Scheme + "://" + u.Host + "/oauth2/authorize",
		secure:       u.Scheme == "https",
		sessionName:  sessionCookieBase,
		signInName:   signInCookieBase,
		cache:        newSessionCache(4096),
		refreshAfter: min(time.Minute, cfg.IdleTimeout/4),
	}
	if b.secure {
		b.sessionName, b.signInName = "__Host-"+sessionCookieBase, "__Host-"+signInCookieBase
	}
	// The cookie's own timestamp bounds it as well, loosely: an ended
	// session must still decode, so that the user is asked for a password
	// rather than signed in again silently.
	b.sessions = securecookie.New(cfg.HashKey, cfg.BlockKey).
		MaxAge(int((cfg.SessionLifetime + time.Hour) / time.Second)).
		SetSerializer(securecookie.JSONEncoder{})
	b.signIns = securecookie.New(cfg.HashKey, cfg.BlockKey).
		MaxAge(int(signInLifetime / time.Second)).
		SetSerializer(securecookie.JSONEncoder{})
	return b, nil
}

// session is what the session cookie holds, sealed. Field names are short:
// the cookie travels with every request.
type session struct {
	Subject  string `json:"s"`
	ClientID string `json:"c"`
	Scope    string `json:"sc"` // space separated, as in the token
	TokenID  string `json:"j"`  // the access token's jti: revoking it ends the session
	GrantID  string `json:"g"`  // the token's gid: revoking the user's grant ends it too
	Expiry   int64  `json:"e"`  // the access token's exp: the session ends with it
	SignedIn int64  `json:"a"`  // when this chain of sessions began, for SessionLifetime
	Seen     int64  `json:"l"`  // last use, for IdleTimeout
}

// sessionState is the outcome of reading a session cookie.
type sessionState int

const (
	noSession    sessionState = iota // none, forged, or of another key
	validSession                     // use it
	renewSession                     // its token expired: sign in again, silently if the server's own sign-in still holds
	endedSession                     // idle or too old, or revoked: the user must type a password again
)

// liveSession is a decoded session, cached by cookie value.
type liveSession struct {
	s      session
	claims token.Claims // what setIdentity and Missing read
}

// check judges a session at now.
func (b *browser) check(ls *liveSession, now time.Time) sessionState {
	t := now.Unix()
	switch {
	case b.cfg.Revoked.Contains(ls.s.TokenID), ls.s.GrantID != "" && b.cfg.Revoked.GrantRevoked(ls.s.GrantID):
		return endedSession
	case b.cfg.Registered != nil && b.cfg.Registered(&ls.claims) != nil:
		return endedSession
	case t-ls.s.Seen >= int64(b.cfg.IdleTimeout/time.Second), t-ls.s.SignedIn >= int64(b.cfg.SessionLifetime/time.Second):
		return endedSession
	case t >= ls.s.Expiry:
		return renewSession
	}
	return validSession
}

// read finds the caller's session among the values of its session
// cookie. A value that does not decode is ignored like no cookie, with
// the same answer, so that forged cookies learn nothing.
func (b *browser) read(values []string, now time.Time) (*liveSession, sessionState) {
	var best *liveSession
	state := noSession
	for _, v := range values {
		ls := b.cache.get(v)
		if ls == nil {
			var s session
			if b.sessions.Decode(b.sessionName, v, &s) != nil || s.Subject == "" || s.TokenID == "" {
				continue
			}
			scopes, _ := oauthrule.ParseScope(s.Scope) // we wrote it from a verified token
			ls = &liveSession{s: s, claims: token.Claims{Subject: s.Subject, ClientID: s.ClientID,
				Scopes: scopes, ID: s.TokenID, GrantID: s.GrantID}}
			b.cache.put(v, ls, time.Unix(s.Expiry, 0))
		}
		st := b.check(ls, now)
		if best == nil || st == validSession || st == renewSession && state == endedSession {
			best, state = ls, st
		}
		if st == validSession {
			break
		}
	}
	return best, state
}

// writeSession seals s into the session cookie on w.
func (b *browser) writeSession(w http.ResponseWriter, s *session) error {
	v, err := b.sessions.Encode(b.sessionName, s)
	if err != nil {
		return err
	}
	b.setCookie(w, b.sessionName, v, int(b.cfg.SessionLifetime/time.Second))
	return nil
}

func (b *browser) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	c := &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: b.secure, SameSite: http.SameSiteLaxMode,
	}
	w.Header().Add("Set-Cookie", c.String())
}

func (b *browser) clearCookie(w http.ResponseWriter, name string) { b.setCookie(w, name, "", -1) }

// wantsHTML tells a person's browser from scripts and API clients: only
// a navigation (Sec-Fetch-Mode), or failing that an Accept naming
// text/html, is ever redirected to sign in; XHR and fetch get 401.
func wantsHTML(h http.Header) bool {
	if len(h["X-Requested-With"]) > 0 {
		return false
	}
	if m := h["Sec-Fetch-Mode"]; len(m) > 0 {
		return m[0] == "navigate"
	}
	for _, a := range h["Accept"] {
		if strings.Contains(strings.ToLower(a), "text/html") {
			return true
		}
	}
	return false
}

// sameOrigin reports whether a state-changing request came from the
// issuer's origin: its Origin header, or without one its Referer
// (Fetch standard §3.1; OWASP CSRF cheat sheet, "verifying origin").
// Neither header, or "null", is refused.
func (b *browser) sameOrigin(h http.Header) bool {
	if o := h["Origin"]; len(o) > 0 {
		return len(o) == 1 && o[0] == b.origin
	}
	ref := h["Referer"]
	if len(ref) != 1 {
		return false
	}
	rest, ok := strings.CutPrefix(ref[0], b.origin)
	return ok && (rest == "" || rest[0] == '/' || rest[0] == '?')
}

// browserSession finds the session of a caller without a bearer token on
// a login: browser route and returns its identity, to be judged exactly
// like a token's, and whether the caller is a person (refusals are then
// pages). Without a valid session, or on a cross-origin write to a csrf:
// origin route, it answers itself and returns nil: a person is sent to
// sign in, anything else gets 401.
func (g *Gateway) browserSession(w http.ResponseWriter, r *http.Request, ex *exchange, route *policy.Route, cookies []string) (*token.Claims, bool) {
	b := g.browser
	now := g.now()
	ls, state := b.read(cookies, now)
	html := wantsHTML(r.Header)
	if state != validSession {
		if html {
			g.startSignIn(w, r, ex, route, ls, state)
			return nil, true
		}
		g.deny(w, r, ex, errNoSession)
		return nil, false
	}
	if route.CSRF == policy.CSRFOrigin && !safeMethod(r.Method) && !b.sameOrigin(r.Header) {
		ex.sub, ex.clientID = ls.s.Subject, ls.s.ClientID
		g.refuse(w, r, ex, errCrossOrigin, html)
		return nil, html
	}
	if now.Unix()-ls.s.Seen >= int64(b.refreshAfter/time.Second) {
		// Rewritten now and then, not on every request, so that the
		// idle timeout counts from the last use.
		s := ls.s
		s.Seen = now.Unix()
		if err := b.writeSession(w, &s); err != nil {
			g.log.Error("refreshing a session", zap.Error(err))
		}
	}
	return &ls.claims, html
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// refuse is deny, with an HTML page for a person: the same status and
// access-log record.
func (g *Gateway) refuse(w http.ResponseWriter, r *http.Request, ex *exchange, e apiError, person bool) {
	if !person {
		g.deny(w, r, ex, e)
		return
	}
	ex.decision = "deny"
	ex.reason = e.reason
	ex.errorID = errorID(w, r)
	title, desc := "No access to this page", "You are signed in, but your account has not been given access to this page."
	if e.reason == errCrossOrigin.reason {
		title, desc = "Request refused", "This form was sent from another site, so it was not passed on."
	}
	g.page(w, e.status, title, desc)
}
