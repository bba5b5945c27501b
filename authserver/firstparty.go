package authserver

import (
	"errors"
	"net/http"
	"net/url"
)

// ExchangeCode redeems an authorization code issued to the first-party
// client clientID, in-process: the same checks as the token endpoint
// (single use, redirect URI, PKCE), without client authentication, which
// the caller's being in this process replaces. It returns the access
// token. Third-party clients must use /oauth2/token.
// r is the request that brought the code back, for the audit log.
func (s *Server) ExchangeCode(r *http.Request, clientID, code, redirectURI, codeVerifier string) (string, error) {
	c, ok := s.clients[clientID]
	if !ok || !c.firstParty {
		return "", errors.New("authserver: ExchangeCode is for first-party clients only")
	}
	p := url.Values{"code": {code}, "redirect_uri": {redirectURI}, "code_verifier": {codeVerifier}}
	resp, err := s.redeemCode(r, c, p)
	if err != nil {
		return "", err
	}
	return resp.AccessToken, nil
}

// ErrorPage writes the server's error page, for first-party handlers
// mounted beside it (the gateway's sign-in callback) to look the same.
func (s *Server) ErrorPage(w http.ResponseWriter, status int, title, description string) {
	s.pageError(w, status, title, description)
}

// CookieNames are the cookies this server sets on browsers. The gateway
// removes them before forwarding: a backend must never see a sign-in.
func (s *Server) CookieNames() []string { return []string{s.sessionCookieName()} }
