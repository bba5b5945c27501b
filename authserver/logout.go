package authserver

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"

	jose "github.com/go-jose/go-jose/v4"
	"go.uber.org/zap"

	"github.com/scopegate/scopegate/authserver/pages"
	"github.com/scopegate/scopegate/token"
)

// logoutName names sealed logout requests inside securecookie's MAC, apart
// from sessions and authorization requests.
const logoutName = "scopegate_logout"

// logoutRequest is a checked RP-initiated logout request (OpenID Connect
// RP-Initiated Logout 1.0 §2). RedirectURI is empty or registered for
// ClientID.
type logoutRequest struct {
	ClientID    string
	RedirectURI string
	State       string
	// HintSubject is the sub of a valid id_token_hint: the user the
	// application believes is signed in.
	HintSubject string
}

// handleLogoutPage serves GET /oauth2/logout: the end_session_endpoint.
// Without parameters, a signed-in user is sent to the account page, whose
// "Sign out" button posts here, and a signed-out browser sees the
// signed-out page.
func (s *Server) handleLogoutPage(w http.ResponseWriter, r *http.Request) {
	s.rpLogout(w, r)
}

// handleLogout serves POST /oauth2/logout: our own sign-out forms (they
// carry csrf_token) and RP-initiated logout sent as a form post (§2).
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(w, r)
	if err != nil {
		s.pageError(w, http.StatusBadRequest, "Invalid request", "The form could not be read.")
		return
	}
	if !p.Has("csrf_token") {
		s.rpLogoutParams(w, r, p)
		return
	}
	sess := s.readSession(r)
	if !s.checkCSRF(sess, p.Get("csrf_token")) {
		s.csrfFailed(w)
		return
	}
	var lr *logoutRequest
	if sealed := p.Get("logout"); sealed != "" {
		if lr = s.openLogout(sealed); lr == nil {
			s.pageError(w, http.StatusBadRequest, "This sign-out link has expired",
				"You are still signed in. Return to the application and sign out again.")
			return
		}
	}
	s.endSession(w, r, sess)
	s.finishLogout(w, r, lr)
}

// endSession signs the browser out. Every way of signing out ends here.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request, sess *session) {
	if s.onLogout != nil {
		s.onLogout(w, r)
	}
	s.clearSession(w)
	sub := ""
	if sess.signedIn() {
		sub = sess.Username
		s.deleteSession(r, sess)
	}
	s.audit(r, EventLogout, sub, "")
}

func (s *Server) rpLogout(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(w, r)
	if err != nil && !errors.Is(err, errDuplicate) {
		s.pageError(w, http.StatusBadRequest, "Invalid request", "The sign-out request could not be read.")
		return
	}
	if errors.Is(err, errDuplicate) {
		s.pageError(w, http.StatusBadRequest, "Invalid sign-out request", "The request repeats a parameter.")
		return
	}
	s.rpLogoutParams(w, r, p)
}

// rpLogoutParams checks a logout request and then signs out at once when
// the id_token_hint names the signed-in user, asks first when it does not,
// and only redirects to a post_logout_redirect_uri registered for the
// client (exact match): anything else is shown as a page.
func (s *Server) rpLogoutParams(w http.ResponseWriter, r *http.Request, p url.Values) {
	sess := s.readSession(r)
	if len(p) == 0 {
		if sess.signedIn() {
			http.Redirect(w, r, "/oauth2/account", http.StatusSeeOther)
			return
		}
		s.pages.LoggedOut(w, http.StatusOK, pages.LoggedOutData{})
		return
	}
	lr, msg, err := s.parseLogout(r.Context(), p)
	if errors.Is(err, token.ErrKeysUnavailable) {
		s.log.Warn("sign-out: id_token_hint cannot be checked", zap.Error(err))
		w.Header().Set("Retry-After", retryAfterBusy)
		s.pageError(w, http.StatusServiceUnavailable, "Temporarily unavailable", "Please try again in a moment.")
		return
	}
	if lr == nil {
		s.pageError(w, http.StatusBadRequest, "Invalid sign-out request", msg)
		return
	}
	switch {
	case !sess.signedIn():
		// Nothing to end; the application still gets its browser back.
		s.finishLogout(w, r, lr)
	case lr.HintSubject != "" && lr.HintSubject == sess.Username:
		s.endSession(w, r, sess)
		s.finishLogout(w, r, lr)
	default:
		// No hint, or a hint for someone else: a page of any site could
		// have sent the browser here, so the user decides (§2, §6).
		s.confirmLogout(w, r, sess, lr)
	}
}

// parseLogout checks the parameters of an RP-initiated logout request.
// A nil request comes with the message to show, and with an error when the
// id_token_hint could not be checked because our keys could not be read.
func (s *Server) parseLogout(ctx context.Context, p url.Values) (*logoutRequest, string, error) {
	lr := &logoutRequest{ClientID: p.Get("client_id"), State: p.Get("state")}
	if len(lr.State) > maxStateLen {
		return nil, "The state parameter is too long.", nil
	}
	if hint := p.Get("id_token_hint"); hint != "" {
		sub, aud, err := s.checkIDTokenHint(ctx, hint)
		if errors.Is(err, token.ErrKeysUnavailable) {
			return nil, "", err
		}
		if err != nil {
			return nil, "The application sent an ID token that was not issued here.", nil
		}
		if lr.ClientID != "" && lr.ClientID != aud {
			return nil, "The ID token was issued to another application.", nil
		}
		lr.ClientID, lr.HintSubject = aud, sub
	}
	if lr.ClientID != "" {
		if _, ok := s.clients[lr.ClientID]; !ok {
			return nil, "The application is not registered.", nil
		}
	}
	if uri := p.Get("post_logout_redirect_uri"); uri != "" {
		if lr.ClientID == "" {
			return nil, "The application did not say who it is, so we cannot send you back to it.", nil
		}
		if !slices.Contains(s.clients[lr.ClientID].postLogoutURIs, uri) {
			return nil, "The address to return to is not registered for this application, so we stopped before sending you anywhere.", nil
		}
		lr.RedirectURI = uri
	}
	return lr, "", nil
}

// checkIDTokenHint verifies that hint is an ID token we signed, for one of
// our clients, and returns its subject and audience. An expired token is
// accepted: the hint only says who the application thinks is signed in
// (RP-Initiated Logout §2).
func (s *Server) checkIDTokenHint(ctx context.Context, hint string) (sub, aud string, err error) {
	payload, typ, err := s.keys.verify(ctx, hint, []jose.SignatureAlgorithm{jose.RS256, jose.ES256})
	if err != nil {
		return "", "", err
	}
	if typ != "JWT" {
		// An access token (at+jwt) is not an ID token.
		return "", "", errors.New("authserver: id_token_hint is not an ID token")
	}
	var c struct {
		Issuer   string          `json:"iss"`
		Subject  string          `json:"sub"`
		Audience json.RawMessage `json:"aud"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return "", "", err
	}
	if err := json.Unmarshal(c.Audience, &aud); err != nil {
		return "", "", err
	}
	if c.Issuer != s.issuer || c.Subject == "" {
		return "", "", errors.New("authserver: id_token_hint is not ours")
	}
	return c.Subject, aud, nil
}

// confirmLogout shows the question, with the checked request sealed into
// the form so that its redirect is taken only after the user agrees.
func (s *Server) confirmLogout(w http.ResponseWriter, r *http.Request, sess *session, lr *logoutRequest) {
	sealed, err := s.pending.Encode(logoutName, lr)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	d := pages.LogoutData{
		Action: "/oauth2/logout", CSRFToken: s.csrfToken(sess), UserName: s.displayName(r.Context(), sess.Username),
		RedirectURI: lr.RedirectURI, CancelURL: "/oauth2/account",
		Hidden: map[string]string{"logout": sealed},
	}
	if lr.ClientID != "" {
		d.ClientName = s.clientName(lr.ClientID)
	}
	s.pages.Logout(w, http.StatusOK, d)
}

// openLogout returns the sealed request, or nil when it is forged, expired
// or its redirect is no longer registered.
func (s *Server) openLogout(sealed string) *logoutRequest {
	var lr logoutRequest
	if err := s.pending.Decode(logoutName, sealed, &lr); err != nil {
		return nil
	}
	if lr.RedirectURI != "" {
		c, ok := s.clients[lr.ClientID]
		if !ok || !slices.Contains(c.postLogoutURIs, lr.RedirectURI) {
			return nil
		}
	}
	return &lr
}

// finishLogout sends the browser to the checked post-logout redirect URI
// with state, or shows the signed-out page.
func (s *Server) finishLogout(w http.ResponseWriter, r *http.Request, lr *logoutRequest) {
	if lr == nil || lr.RedirectURI == "" {
		// GET, so that a reload does not post the form again.
		http.Redirect(w, r, "/oauth2/logout", http.StatusSeeOther)
		return
	}
	target := lr.RedirectURI
	if lr.State != "" {
		target = appendQuery(target, url.Values{"state": {lr.State}})
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}
