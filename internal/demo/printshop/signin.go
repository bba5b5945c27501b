package printshop

import (
	"context"
	"crypto/subtle"
	"net/http"
	"net/url"
	"sync"

	"github.com/coreos/go-oidc/v3/oidc"
	"go.uber.org/zap"
	"golang.org/x/oauth2"
)

// "Sign in with Photo Drive" is OpenID Connect: the shop keeps no accounts and no
// passwords. It asks the drive for an ID token (scopes openid, profile and email),
// verifies it with go-oidc on its default settings (RS256, the drive's JWKS, issuer,
// audience, expiry) plus the nonce it sent, and greets the user by the name in it.
// "Sign out" ends the drive's session too, through its end_session_endpoint
// (OpenID Connect RP-Initiated Logout), which sends the browser back to the shop.

// signInScopes are what signing in asks for: who you are, nothing of your photos.
var signInScopes = []string{oidc.ScopeOpenID, "profile", "email"}

// user is who signed in, from the verified ID token.
type user struct {
	Subject, Name, Email string
	idToken              string // kept for id_token_hint at sign-out; never shown
}

// oidcProvider finds the drive's OpenID configuration on first use and keeps it.
type oidcProvider struct {
	mu sync.Mutex
	p  *oidc.Provider
}

func (s *Shop) provider(ctx context.Context) (*oidc.Provider, error) {
	s.oidc.mu.Lock()
	defer s.oidc.mu.Unlock()
	if s.oidc.p != nil {
		return s.oidc.p, nil
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, s.cfg.HTTPClient), s.cfg.IssuerURL)
	if err != nil {
		return nil, err
	}
	s.oidc.p = p
	return p, nil
}

// signIn starts the code flow for an ID token: state, PKCE and a nonce, all kept in
// the session.
func (s *Shop) signIn(w http.ResponseWriter, r *http.Request) {
	sess := s.sessions.get(r)
	if sess == nil || !sess.checkCSRF(r) {
		s.expired(w, r)
		return
	}
	p, err := s.provider(r.Context())
	if err != nil {
		s.cfg.Logger.Warn("OpenID discovery failed", zap.Error(err))
		s.message(w, r, http.StatusBadGateway, messagePage{
			Title: "Your photo drive is not answering",
			Text:  "We could not reach the photo drive to sign you in. Please try again in a moment.",
		})
		return
	}
	conf := s.signInConfig(p)
	state, verifier, nonce := randomString(), oauth2.GenerateVerifier(), randomString()
	sess.mu.Lock()
	sess.state, sess.verifier, sess.nonce, sess.signingIn = state, verifier, nonce, true
	sess.mu.Unlock()
	http.Redirect(w, r, conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)), http.StatusSeeOther)
}

func (s *Shop) signInConfig(p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{ClientID: s.cfg.ClientID, ClientSecret: s.cfg.ClientSecret,
		RedirectURL: s.cfg.RedirectURL, Endpoint: p.Endpoint(), Scopes: signInScopes}
}

// finishSignIn is the callback of a sign-in: exchange the code, verify the ID token and
// its nonce, remember who it names. Nothing else from the token response is kept.
func (s *Shop) finishSignIn(w http.ResponseWriter, r *http.Request, code, verifier, nonce string) {
	failed := func(reason string) {
		s.cfg.Logger.Warn("sign-in failed", zap.String("reason", reason))
		s.message(w, r, http.StatusBadGateway, messagePage{
			Title: "We could not sign you in",
			Text:  "The photo drive's answer could not be verified (" + reason + "), so you are not signed in. Please try again.",
		})
	}
	p, err := s.provider(r.Context())
	if err != nil {
		failed("the photo drive is not answering")
		return
	}
	ctx := oidc.ClientContext(r.Context(), s.cfg.HTTPClient)
	tok, err := s.signInConfig(p).Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		failed("the code exchange failed")
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		failed("no ID token")
		return
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: s.cfg.ClientID, Now: s.cfg.Now}).Verify(ctx, raw)
	if err != nil {
		failed("the ID token is invalid")
		return
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		failed("the ID token is not for this sign-in")
		return
	}
	var c struct {
		Name  string `json:"name"`
		Email string `json:"email"`
	}
	_ = idt.Claims(&c)
	sess := s.sessions.get(r)
	if sess == nil {
		s.expired(w, r)
		return
	}
	sess.mu.Lock()
	sess.user = &user{Subject: idt.Subject, Name: c.Name, Email: c.Email, idToken: raw}
	sess.mu.Unlock()
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// signOut forgets this browser here and, when the drive offers RP-initiated logout,
// sends the browser there to end the drive's session as well, with the ID token as
// hint and the shop's registered page to come back to.
func (s *Shop) signOut(w http.ResponseWriter, r *http.Request) {
	sess := s.sessions.get(r)
	if sess == nil || !sess.checkCSRF(r) {
		s.expired(w, r)
		return
	}
	sess.mu.Lock()
	var hint string
	if sess.user != nil {
		hint = sess.user.idToken
	}
	sess.mu.Unlock()
	s.sessions.drop(w, r)
	target := "/"
	if p, err := s.provider(r.Context()); err == nil && hint != "" && s.cfg.PostLogoutURL != "" {
		var md struct {
			EndSession string `json:"end_session_endpoint"`
		}
		if p.Claims(&md) == nil && md.EndSession != "" {
			q := url.Values{"id_token_hint": {hint}, "client_id": {s.cfg.ClientID},
				"post_logout_redirect_uri": {s.cfg.PostLogoutURL}}
			target = md.EndSession + "?" + q.Encode()
		}
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}
