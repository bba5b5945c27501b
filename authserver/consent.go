package authserver

import (
	"context"
	"net/http"

	"go.uber.org/zap"

	"github.com/scopegate/scopegate/authserver/pages"
)

// identityDescriptions are the consent texts of the OpenID scopes; the
// config may reword profile and email by declaring them.
var identityDescriptions = map[string]string{
	"openid":  "Know who you are (your account name)",
	"profile": "See your name",
	"email":   "See your email address",
	// offline_access: a refresh token (OIDC Core §11).
	scopeOfflineAccess: "Keep this access when you are not signed in, until you remove it",
}

// handleConsentPage asks the signed-in user to allow or deny a pending request.
func (s *Server) handleConsentPage(w http.ResponseWriter, r *http.Request) {
	sealed := r.URL.Query().Get("authz")
	req := s.openRequest(sealed)
	if req == nil {
		s.expiredRequest(w)
		return
	}
	sess, ok := s.pageSession(w, r)
	if !ok {
		return
	}
	if s.needsLogin(req, sess, true) {
		s.redirectWithRequest(w, r, "/oauth2/login", req)
		return
	}
	if len(req.Items) > 0 {
		s.showPickerConsent(w, r, sess, req, sealed)
		return
	}
	c := s.clients[req.ClientID]
	d := pages.ConsentData{
		Action: "/oauth2/consent", CSRFToken: s.csrfToken(sess),
		ClientName: c.Name, ClientID: c.ID, RedirectURI: req.RedirectURI,
		UserName: s.displayName(r.Context(), sess.Username), Scopes: s.scopeItems(req.Scopes),
		Hidden: map[string]string{"authz": sealed},
	}
	s.pages.Consent(w, http.StatusOK, d)
}

// handleConsent records the decision and sends the browser back to the
// client: with a code after allow, with access_denied after deny.
func (s *Server) handleConsent(w http.ResponseWriter, r *http.Request) {
	p, err := pickParams(w, r)
	if err != nil {
		s.pageError(w, http.StatusBadRequest, "Invalid request", "The form could not be read.")
		return
	}
	sess, ok := s.pageSession(w, r)
	if !ok {
		return
	}
	if !s.checkCSRF(sess, p.Get("csrf_token")) || !sess.signedIn() {
		s.csrfFailed(w)
		return
	}
	req := s.openRequest(p.Get("authz"))
	if req == nil {
		s.expiredRequest(w)
		return
	}
	switch p.Get("decision") {
	case "allow":
		if s.needsLogin(req, sess, false) {
			// prompt=login: the sign-in must have happened after the
			// request. max_age is not checked again here, so a user who
			// reads the page longer than max_age is not sent in circles.
			s.redirectWithRequest(w, r, "/oauth2/login", req)
			return
		}
		if len(req.Items) > 0 {
			s.consentPicked(w, r, sess, req, p)
			return
		}
		g, err := s.grantScopes(r.Context(), sess.Username, req.ClientID, req.Scopes)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		s.audit(r, EventConsentGranted, sess.Username, req.ClientID, zap.Strings("scopes", req.Scopes))
		s.finishAuthorization(w, r, req, sess, g)
	case "deny":
		s.audit(r, EventConsentDenied, sess.Username, req.ClientID, zap.Strings("scopes", req.Scopes))
		s.redirectError(w, r, req.RedirectURI, req.State, oauthErr(codeAccessDenied, "the user denied the request"))
	case "":
		if len(req.Items) > 0 && p.Has("select") {
			s.consentPicked(w, r, sess, req, p) // "Select all" or "Clear"
			return
		}
		s.pageError(w, http.StatusBadRequest, "Invalid request", "Choose Allow or Deny.")
	default:
		s.pageError(w, http.StatusBadRequest, "Invalid request", "Choose Allow or Deny.")
	}
}

// scopeItems pairs scopes with the text users read.
func (s *Server) scopeItems(scopes []string) []pages.ScopeItem {
	items := make([]pages.ScopeItem, 0, len(scopes))
	for _, sc := range scopes {
		desc := s.scopes[sc].Description
		if desc == "" {
			desc = identityDescriptions[sc]
		}
		items = append(items, pages.ScopeItem{Name: sc, Description: desc})
	}
	return items
}

// displayName is the name shown to the signed-in user: the profile name,
// else the username (or the federated subject).
func (s *Server) displayName(ctx context.Context, username string) string {
	if p, _, err := s.userProfile(ctx, username); err == nil && p.Name != "" {
		return p.Name
	}
	return username
}
