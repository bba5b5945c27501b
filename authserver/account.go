package authserver

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/scopegate/scopegate/authserver/pages"
	"github.com/scopegate/scopegate/store"
)

// handleAccount lists the clients the signed-in user granted access to
// (OAuth 2.1 §7.9: users can review and revoke grants).
func (s *Server) handleAccount(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.pageSession(w, r)
	if !ok {
		return
	}
	if !sess.signedIn() {
		http.Redirect(w, r, "/oauth2/login", http.StatusSeeOther)
		return
	}
	grants, err := s.store.Grants(r.Context(), sess.Username)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	d := pages.AccountData{
		UserName: s.displayName(r.Context(), sess.Username), RevokeAction: "/oauth2/account/revoke",
		LogoutAction: "/oauth2/logout", CSRFToken: s.csrfToken(sess),
	}
	if p, _, err := s.userProfile(r.Context(), sess.Username); err == nil {
		d.Email = p.Email
	}
	for _, c := range grants {
		d.Grants = append(d.Grants, pages.GrantItem{
			ClientID: c.ClientID, ClientName: s.clientName(c.ClientID),
			Scopes: s.scopeItems(c.Scopes), GrantedAt: c.CreatedAt.Format("2 January 2006"),
			LastUsed: lastUsedText(c.LastUsedAt, s.now()),
			Picks:    s.grantPicks(r, sess.Username, c),
		})
	}
	// The notice names a client we know, never text from the URL.
	if id := r.URL.Query().Get("revoked"); id != "" {
		if c, ok := s.clients[id]; ok {
			d.Notice = "Access for " + c.Name + " was removed."
		}
	}
	if id := r.URL.Query().Get("changed"); id != "" {
		if c, ok := s.clients[id]; ok {
			d.Notice = "What " + c.Name + " can see was changed."
		}
	}
	s.pages.Account(w, http.StatusOK, d)
}

// handleRevoke revokes the user's grant to one client: its access tokens
// are refused by the gateway at once, its refresh tokens stop working, and
// new tokens need consent again.
func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(w, r)
	if err != nil {
		s.pageError(w, http.StatusBadRequest, "Invalid request", "The form could not be read.")
		return
	}
	sess, ok := s.pageSession(w, r)
	if !ok {
		return
	}
	if !sess.signedIn() || !s.checkCSRF(sess, p.Get("csrf_token")) {
		s.csrfFailed(w)
		return
	}
	id := p.Get("client_id")
	g, err := s.store.LiveGrant(r.Context(), sess.Username, id)
	switch {
	case errors.Is(err, store.ErrNotFound): // removed already, maybe in another tab
	case err != nil:
		s.internalError(w, r, err)
		return
	default:
		if err := s.revokeGrantAudited(r, g.ID, sess.Username, id, "removed on the account page"); err != nil {
			s.internalError(w, r, err)
			return
		}
	}
	s.audit(r, EventConsentRevoked, sess.Username, id)
	http.Redirect(w, r, "/oauth2/account?"+url.Values{"revoked": {id}}.Encode(), http.StatusSeeOther)
}

func (s *Server) clientName(id string) string {
	if c, ok := s.clients[id]; ok {
		return c.Name
	}
	return id
}
