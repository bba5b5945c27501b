package authserver

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/scopegate/scopegate/oauthrule"
	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/token"
)

// authRequest is a checked authorization request. It travels sealed
// through login and consent (see sealRequest), never as plain fields.
type authRequest struct {
	ClientID         string
	RedirectURI      string // the one to send the browser to
	RedirectURIGiven bool   // sent in the request, so /token must repeat it
	Scopes           []string
	State            string
	Nonce            string
	CodeChallenge    string
	PromptNone       bool
	// PromptLogin (prompt=login or select_account) and MaxAge (max_age)
	// demand a sign-in no older than the request, or than MaxAge seconds
	// (OIDC Core §3.1.2.1). RequestedAt is when the request arrived.
	PromptLogin   bool
	PromptConsent bool // prompt=consent: ask even if consent was given
	HasMaxAge     bool
	MaxAge        int64
	RequestedAt   int64 // unix seconds
	// RequestedAtNanos is RequestedAt in unix nanoseconds; 0 in requests
	// sealed before it was kept.
	RequestedAtNanos int64
	// HintSubject is the sub of the request's id_token_hint: the user the
	// client expects; a session of another user does not serve it.
	HintSubject string
	// Items are the narrowed item types asked for (RFC 9396), by a plain
	// narrowed scope or by authorization_details; the consent page shows
	// a picker for each.
	Items []itemRequest
}

// maxStateLen bounds state and nonce. Clients use them for a random value
// or a short reference, far below this.
const maxStateLen = 1024

// handleAuthorize is the authorization endpoint (RFC 6749 §4.1.1).
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	params, err := readParams(w, r)
	if err != nil && !errors.Is(err, errDuplicate) {
		s.pageError(w, http.StatusBadRequest, "Invalid request", "The authorization request could not be read.")
		return
	}
	req, oe := s.parseAuthorize(r.Context(), params)
	if req == nil {
		// Client or redirect URI unknown: redirecting would make us an
		// open redirector (RFC 9700 §4.11.2).
		s.pageError(w, http.StatusBadRequest, "Invalid request", oe.Description)
		return
	}
	if oe != nil {
		s.redirectError(w, r, req.RedirectURI, req.State, oe)
		return
	}
	// A store that cannot say whether the browser is signed in answers
	// 503, rather than sending a signed-in user to a login that would
	// fail the same way.
	if sess, ok := s.pageSession(w, r); ok {
		s.continueAuthorization(w, r, req, sess)
	}
}

// parseAuthorize checks an authorization request. A nil request means the
// error must be shown as a page; otherwise the request carries a trusted
// redirect URI and the state for an error redirect.
func (s *Server) parseAuthorize(ctx context.Context, p url.Values) (*authRequest, *Error) {
	if len(p["client_id"]) > 1 || len(p["redirect_uri"]) > 1 {
		return nil, oauthErr(codeInvalidRequest, "The request repeats client_id or redirect_uri.")
	}
	c, ok := s.clients[p.Get("client_id")]
	if !ok {
		return nil, oauthErr(codeInvalidRequest, "The application is not registered.")
	}
	redirect, ok := oauthrule.MatchRedirectURI(c.RedirectURIs, p.Get("redirect_uri"), c.public)
	if !ok {
		return nil, oauthErr(codeInvalidRequest, "The redirect URI is not registered for this application.")
	}
	req := &authRequest{ClientID: c.ID, RedirectURI: redirect, RedirectURIGiven: p.Has("redirect_uri")}
	if len(p["state"]) == 1 {
		req.State = p.Get("state")
	}
	for _, vals := range p {
		if len(vals) > 1 {
			return req, oauthErr(codeInvalidRequest, "a parameter is repeated")
		}
	}
	req.Nonce = p.Get("nonce")
	if len(req.State) > maxStateLen || len(req.Nonce) > maxStateLen {
		// The request travels sealed through the browser; unbounded
		// values would overflow the sealed form. An oversized state is not
		// sent back either.
		if len(req.State) > maxStateLen {
			req.State = ""
		}
		return req, oauthErr(codeInvalidRequest, "state and nonce are limited to 1024 bytes")
	}
	switch rt := p.Get("response_type"); {
	case rt == "":
		return req, oauthErr(codeInvalidRequest, "response_type is required")
	case rt != "code":
		return req, oauthErr(codeUnsupportedResponseType, "only response_type=code is supported")
	}
	if !c.allowsGrant(oauthrule.GrantAuthorizationCode) {
		return req, oauthErr(codeUnauthorizedClient, "the client may not use the authorization code grant")
	}
	if rm := p.Get("response_mode"); rm != "" && rm != "query" {
		return req, oauthErr(codeInvalidRequest, "only response_mode=query is supported")
	}
	if p.Has("request") || p.Has("request_uri") {
		return req, oauthErr("request_not_supported", "request objects are not supported")
	}
	if oe := checkChallenge(c, p.Get("code_challenge"), p.Get("code_challenge_method"), p.Has("code_challenge_method")); oe != nil {
		return req, oe
	}
	req.CodeChallenge = p.Get("code_challenge")
	scopes, items, oe := s.requestedAccess(c, p)
	if oe != nil {
		return req, oe
	}
	req.Scopes, req.Items = scopes, items
	if hint := p.Get("id_token_hint"); hint != "" {
		// OIDC Core §3.1.2.1: an ID token we issued, expired or not,
		// naming the user the client expects.
		sub, _, err := s.checkIDTokenHint(ctx, hint)
		switch {
		case errors.Is(err, token.ErrKeysUnavailable):
			// Our keys could not be read: the hint may be ours, and the
			// client may retry (RFC 6749 §4.1.2.1).
			return req, oauthErr(codeTemporarilyUnavailable, "id_token_hint cannot be checked right now; retry shortly")
		case err != nil:
			return req, oauthErr(codeInvalidRequest, "id_token_hint is not an ID token issued here")
		}
		req.HintSubject = sub
	}
	return req, s.parsePrompt(req, p)
}

// parsePrompt reads prompt and max_age (OIDC Core §3.1.2.1). Unknown
// prompt values are ignored, like unknown parameters.
func (s *Server) parsePrompt(req *authRequest, p url.Values) *Error {
	now := s.now()
	req.RequestedAt, req.RequestedAtNanos = now.Unix(), now.UnixNano()
	prompts := strings.Fields(p.Get("prompt"))
	for _, v := range prompts {
		switch v {
		case "none":
			req.PromptNone = true
		case "login", "select_account":
			// One account per browser session: choosing an account means
			// signing in again.
			req.PromptLogin = true
		case "consent":
			req.PromptConsent = true
		}
	}
	if req.PromptNone && len(prompts) > 1 {
		return oauthErr(codeInvalidRequest, "prompt=none cannot be combined with other values")
	}
	if p.Has("max_age") {
		n, err := strconv.ParseInt(p.Get("max_age"), 10, 64)
		if err != nil || n < 0 {
			return oauthErr(codeInvalidRequest, "max_age must be a non-negative integer")
		}
		req.HasMaxAge, req.MaxAge = true, n
	}
	return nil
}

// needsLogin reports whether sess cannot serve req: nobody is signed in,
// or the sign-in came before the request and the request asked for a new
// one (prompt=login), for another user (id_token_hint) or (if
// checkMaxAge) for one no older than max_age.
// A sign-in completed after the request arrived was made for it, and
// satisfies both however long the consent page then stays open.
func (s *Server) needsLogin(req *authRequest, sess *session, checkMaxAge bool) bool {
	switch {
	case !sess.signedIn():
		return true
	case sess.signedInAfter(req):
		return false
	case req.PromptLogin:
		return true
	case req.HintSubject != "" && req.HintSubject != sess.Username:
		// The client expects another user: with prompt=none that is
		// login_required (OIDC Core §3.1.2.1), else the user signs in.
		return true
	case checkMaxAge && req.HasMaxAge:
		// Whole seconds of auth_time, counted from the start of its
		// second: max_age=0 always asks again.
		return s.now().Sub(time.Unix(sess.AuthTime, 0)) > time.Duration(req.MaxAge)*time.Second
	}
	return false
}

// signedInAfter reports whether sess signed in after req arrived: in a
// later nanosecond, or the same one (only a clock that stands still, as in
// tests, puts a sign-in and the request it answers there). Without the
// nanoseconds (a cookie or request from before they were kept), only a
// later second counts.
func (sess *session) signedInAfter(req *authRequest) bool {
	if sess.SignedInAt == 0 || req.RequestedAtNanos == 0 {
		return sess.AuthTime > req.RequestedAt
	}
	return sess.SignedInAt >= req.RequestedAtNanos
}

// identityScopes are the OpenID Connect scopes (OIDC Core §5.4), built in.
var identityScopes = []string{"openid", "profile", "email"}

// checkScopes parses a scope parameter against what the client may ask
// for. The identity scopes are allowed in the code flow only.
func (s *Server) checkScopes(c *client, raw string, allowOpenID bool) ([]string, *Error) {
	requested, ok := oauthrule.ParseScope(raw)
	if !ok {
		return nil, oauthErr(codeInvalidScope, "the scope parameter is malformed")
	}
	if len(requested) == 0 {
		return nil, oauthErr(codeInvalidScope, "scope is required")
	}
	var out []string
	for _, sc := range requested {
		if slices.Contains(out, sc) {
			continue
		}
		// The OpenID scopes serve sign-in, so every client of the code
		// flow may ask for them; the consent page shows them like others.
		// offline_access asks for a refresh token (OIDC Core §11), so
		// only clients that may refresh may ask for it.
		ok := slices.Contains(identityScopes, sc) && allowOpenID ||
			sc == scopeOfflineAccess && allowOpenID && c.allowsGrant(oauthrule.GrantRefreshToken) ||
			slices.Contains(c.Scopes, sc) && s.isDeclared(sc)
		if !ok {
			return nil, oauthErr(codeInvalidScope, "a requested scope is not allowed for this client")
		}
		out = append(out, sc)
	}
	return out, nil
}

func (s *Server) isDeclared(scope string) bool { _, ok := s.scopes[scope]; return ok }

// continueAuthorization moves a checked request on: to login, to
// consent, or back to the client with a code.
func (s *Server) continueAuthorization(w http.ResponseWriter, r *http.Request, req *authRequest, sess *session) {
	if s.needsLogin(req, sess, true) {
		if req.PromptNone {
			s.redirectError(w, r, req.RedirectURI, req.State, oauthErr(codeLoginRequired, "the user must sign in"))
			return
		}
		s.redirectWithRequest(w, r, "/oauth2/login", req)
		return
	}
	if s.clients[req.ClientID].firstParty {
		// The user is signing in to this product itself, not handing
		// access to a third party: there is nothing to consent to. The
		// grant is still recorded, so that it can be listed and revoked.
		g, err := s.grantScopes(r.Context(), sess.Username, req.ClientID, req.Scopes)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		s.finishAuthorization(w, r, req, sess, g)
		return
	}
	g, covered, err := s.consentCovers(r, sess.Username, req)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if !covered || req.PromptConsent || !s.identityAssured(req) {
		if req.PromptNone {
			s.redirectError(w, r, req.RedirectURI, req.State, oauthErr(codeConsentRequired, "the user has not approved this application"))
			return
		}
		s.redirectWithRequest(w, r, "/oauth2/consent", req)
		return
	}
	s.finishAuthorization(w, r, req, sess, g)
}

// identityAssured reports whether the redirect URI proves which client
// asked. Any app can claim a public client's ID and listen on a loopback
// port or a private-use scheme, so earlier consent must not let it take a
// code silently (RFC 8252 §8.6): such requests always show
// the consent page. A confidential client proves itself at the token
// endpoint; a public one is trusted only on an https redirect URI.
func (s *Server) identityAssured(req *authRequest) bool {
	return !s.clients[req.ClientID].public || strings.HasPrefix(req.RedirectURI, "https://")
}

// consentCovers returns the user's live grant to the client and whether it
// covers every requested scope.
func (s *Server) consentCovers(r *http.Request, username string, req *authRequest) (store.Grant, bool, error) {
	g, err := s.store.LiveGrant(r.Context(), username, req.ClientID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Grant{}, false, nil
	}
	if err != nil {
		return store.Grant{}, false, err
	}
	return g, token.Missing(g.Scopes, req.Scopes) == nil && pickCovers(decodeDetails(g.AuthorizationDetails), req.Items), nil
}

// finishAuthorization issues a code from grant g and sends the browser
// back to the client (RFC 6749 §4.1.2) with iss (RFC 9207).
func (s *Server) finishAuthorization(w http.ResponseWriter, r *http.Request, req *authRequest, sess *session, g store.Grant) {
	code, err := s.issueCode(r.Context(), req, sess, g)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.audit(r, EventCodeIssued, sess.Username, req.ClientID, zap.Strings("scopes", req.Scopes))
	v := url.Values{"code": {code}, "iss": {s.issuer}}
	if req.State != "" {
		v.Set("state", req.State)
	}
	http.Redirect(w, r, appendQuery(req.RedirectURI, v), http.StatusSeeOther)
}

// redirectWithRequest sends the browser to one of our own pages with the
// sealed request. The target path is a constant, never input.
func (s *Server) redirectWithRequest(w http.ResponseWriter, r *http.Request, path string, req *authRequest) {
	sealed, err := s.sealRequest(req)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	http.Redirect(w, r, path+"?"+url.Values{"authz": {sealed}}.Encode(), http.StatusSeeOther)
}

// sealRequest signs and encrypts a checked request for the round trip
// through the browser.
func (s *Server) sealRequest(req *authRequest) (string, error) {
	return s.pending.Encode(pendingName, req)
}

// openRequest returns the request sealed in v, or nil when it is absent,
// forged or expired.
func (s *Server) openRequest(v string) *authRequest {
	if v == "" {
		return nil
	}
	var req authRequest
	if err := s.pending.Decode(pendingName, v, &req); err != nil {
		return nil
	}
	if !s.requestStillValid(&req) {
		return nil
	}
	return &req
}

// requestStillValid checks a request that travelled through the browser
// against the config, which may have changed since it was sealed.
func (s *Server) requestStillValid(req *authRequest) bool {
	c, ok := s.clients[req.ClientID]
	if !ok {
		return false
	}
	_, ok = oauthrule.MatchRedirectURI(c.RedirectURIs, req.RedirectURI, c.public)
	return ok
}
