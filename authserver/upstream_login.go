package authserver

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/mail"
	"net/url"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/coreos/go-oidc/v3/oidc"
	"go.uber.org/zap"
	"golang.org/x/oauth2"

	"github.com/scopegate/scopegate/store"
)

// upstreamTxnName names the pending upstream sign-in inside securecookie's
// MAC, apart from sessions and sealed requests.
const upstreamTxnName = "scopegate_upstream"

// upstreamTxn is one sign-in at a provider in progress, kept in a cookie
// of the browser that started it: the callback must come back to the
// same browser with the same state.
type upstreamTxn struct {
	Provider string
	State    string
	Nonce    string
	Verifier string       // PKCE (RFC 7636)
	Request  *authRequest // the authorization request to continue, if any
}

func (s *Server) upstreamCookieName() string {
	if s.secure {
		return "__Host-scopegate_upstream"
	}
	return "scopegate_upstream"
}

// upstreamStateID is the store record that makes a state single-use
// across instances: it is redeemed like a code at the callback. It is keyed
// (HMAC), unlike a code's plain SHA-256, so that nobody who saw the state
// can present a "code" whose hash is this record's ID at /oauth2/token.
func (s *Server) upstreamStateID(state string) string {
	mac := hmac.New(sha256.New, s.stateKey)
	mac.Write([]byte(state))
	return hex.EncodeToString(mac.Sum(nil))
}

// upstreamStateClient marks those records: New refuses an empty client ID,
// so no client can ever be handed one. (Not a NUL byte: PostgreSQL text
// cannot hold it.)
const upstreamStateClient = ""

// handleUpstreamStart sends the browser to a provider's authorization
// endpoint with state, nonce and PKCE bound to a cookie of this browser.
func (s *Server) handleUpstreamStart(w http.ResponseWriter, r *http.Request) {
	up := s.upstreams[r.PathValue("id")]
	if up == nil {
		s.pageError(w, http.StatusNotFound, "Unknown sign-in option", "This way of signing in is not offered here.")
		return
	}
	p, err := readParams(w, r)
	if err != nil {
		s.pageError(w, http.StatusBadRequest, "Invalid request", "The form could not be read.")
		return
	}
	if !s.checkCSRF(s.readSession(r), p.Get("csrf_token")) {
		s.csrfFailed(w)
		return
	}
	sealed := p.Get("authz")
	req := s.openRequest(sealed)
	if sealed != "" && req == nil {
		s.expiredRequest(w)
		return
	}
	prov, err := s.discover(r.Context(), up)
	if err != nil {
		s.log.Warn("identity provider unreachable", zap.String("idp", up.ID), zap.Error(err))
		s.upstreamDown(w, up)
		return
	}
	txn := upstreamTxn{Provider: up.ID, State: randomToken(32), Nonce: randomToken(32),
		Verifier: oauth2.GenerateVerifier(), Request: req}
	now := s.now().UTC()
	rec := store.AuthCode{ID: s.upstreamStateID(txn.State), ClientID: upstreamStateClient, Subject: up.ID,
		CreatedAt: now, ExpiresAt: now.Add(pendingLifetime)}
	if err := s.store.CreateAuthCode(r.Context(), rec); err != nil {
		s.internalError(w, r, err)
		return
	}
	v, err := s.pending.Encode(upstreamTxnName, txn)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: s.upstreamCookieName(), Value: v, Path: "/", MaxAge: int(pendingLifetime / time.Second),
		HttpOnly: true, Secure: s.secure,
		// Lax: the provider sends the browser back with a top-level GET.
		SameSite: http.SameSiteLaxMode,
	})
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(txn.Verifier), oidc.Nonce(txn.Nonce)}
	if req != nil && req.PromptLogin {
		// Our client asked for a fresh sign-in: so do we, or the
		// provider's session would answer for the user.
		opts = append(opts, oauth2.SetAuthURLParam("prompt", "login"))
	}
	if req != nil && req.HasMaxAge {
		opts = append(opts, oauth2.SetAuthURLParam("max_age", strconv.FormatInt(req.MaxAge, 10)))
	}
	http.Redirect(w, r, s.oauth2Config(up, prov).AuthCodeURL(txn.State, opts...), http.StatusSeeOther)
}

// handleUpstreamCallback finishes a sign-in at a provider: the state must
// be this browser's and unused, the code is exchanged with the PKCE
// verifier, and the ID token must be signed by the provider, for us, not
// expired, and carry our nonce. Any failure is a page, never a session.
func (s *Server) handleUpstreamCallback(w http.ResponseWriter, r *http.Request) {
	up := s.upstreams[r.PathValue("id")]
	if up == nil {
		s.pageError(w, http.StatusNotFound, "Unknown sign-in option", "This way of signing in is not offered here.")
		return
	}
	txn := s.takeUpstreamTxn(w, r)
	q := r.URL.Query()
	if txn == nil || txn.Provider != up.ID || !hmac.Equal([]byte(q.Get("state")), []byte(txn.State)) {
		s.upstreamFailed(w, r, up, http.StatusBadRequest, "This sign-in link has expired or was already used",
			"Go back to the sign-in page and choose "+up.Name+" again.", "state mismatch")
		return
	}
	// Single use across instances, even if the browser kept the cookie.
	if _, err := s.store.RedeemAuthCode(r.Context(), s.upstreamStateID(txn.State), s.now().UTC()); err != nil {
		if !errors.Is(err, store.ErrConflict) && !errors.Is(err, store.ErrNotFound) {
			s.internalError(w, r, err)
			return
		}
		s.upstreamFailed(w, r, up, http.StatusBadRequest, "This sign-in link has expired or was already used",
			"Go back to the sign-in page and choose "+up.Name+" again.", "state replayed or expired")
		return
	}
	if e := q.Get("error"); e != "" {
		title, desc := up.Name+" did not sign you in", "Go back to the sign-in page to try again."
		if e == "access_denied" {
			desc = "The sign-in was cancelled or refused at " + up.Name + ". " + desc
		}
		s.upstreamFailed(w, r, up, http.StatusBadGateway, title, desc, "provider returned an error", zap.String("error", safeErrorCode(e)))
		return
	}
	in, reason := s.verifyUpstream(r.Context(), up, txn, q.Get("code"))
	switch {
	case reason == reasonUnreachable:
		s.upstreamFailed(w, r, up, http.StatusBadGateway, "We could not confirm your sign-in with "+up.Name,
			up.Name+" could not be reached, so you were not signed in. Try again in a moment, or ask your administrator.", reason)
		return
	case reason != "":
		s.upstreamFailed(w, r, up, http.StatusBadGateway, "We could not confirm your sign-in with "+up.Name,
			up.Name+" answered in a way we could not trust, so you were not signed in. Try again later, or ask your administrator.", reason)
		return
	}
	now := s.now().UTC()
	subject := in.subject
	if err := s.store.SaveFederatedUser(r.Context(), store.FederatedUser{Subject: subject, Provider: up.ID,
		Name: in.profile.Name, Email: in.profile.Email, EmailVerified: in.profile.EmailVerified, CreatedAt: now, UpdatedAt: now}); err != nil {
		s.internalError(w, r, err)
		return
	}
	sess, err := s.startSession(w, r, subject, in.authTime)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.audit(r, EventLoginSuccess, subject, requestClient(txn.Request), zap.String("idp", up.ID))
	if txn.Request == nil || !s.requestStillValid(txn.Request) {
		http.Redirect(w, r, "/oauth2/account", http.StatusSeeOther)
		return
	}
	s.continueAuthorization(w, r, txn.Request, sess)
}

// reasonUnreachable is verifyUpstream's reason when the provider did not
// answer the code exchange: down, or too slow.
const reasonUnreachable = "no answer to the code exchange"

// upstreamSignIn is what a provider's verified ID token says of the user.
type upstreamSignIn struct {
	profile  profileClaims
	subject  string    // the local subject, "<provider id>:<upstream sub>"
	authTime time.Time // when the provider authenticated the user; zero if it did not say
}

// verifyUpstream exchanges the code and checks the ID token. It returns
// who signed in, or why it refused (for the log only).
func (s *Server) verifyUpstream(ctx context.Context, up *upstream, txn *upstreamTxn, code string) (upstreamSignIn, string) {
	if code == "" {
		return upstreamSignIn{}, "no code"
	}
	prov, err := s.discover(ctx, up)
	if err != nil {
		return upstreamSignIn{}, "discovery failed: " + err.Error()
	}
	ctx, cancel := context.WithTimeout(ctx, upstreamTimeout)
	defer cancel()
	ctx = oidc.ClientContext(ctx, s.upstreamHTTP)
	tok, err := s.oauth2Config(up, prov).Exchange(ctx, code, oauth2.VerifierOption(txn.Verifier))
	if err != nil {
		// The error text holds the provider's error code, never a token.
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return upstreamSignIn{}, "code exchange refused: " + safeErrorCode(re.ErrorCode)
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			return upstreamSignIn{}, reasonUnreachable
		}
		return upstreamSignIn{}, "code exchange answer unreadable"
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return upstreamSignIn{}, "no ID token"
	}
	idt, err := prov.Verifier(&oidc.Config{ClientID: up.ClientID, Now: s.now}).Verify(ctx, raw)
	if err != nil {
		return upstreamSignIn{}, "ID token refused: " + err.Error()
	}
	// go-oidc checked that aud names us. OpenID Connect Core 1.0 §3.1.3.7
	// also refuses audiences the client does not trust (we trust no
	// other) and, as it advises, an azp naming another client.
	if len(idt.Audience) != 1 {
		return upstreamSignIn{}, "ID token has other audiences"
	}
	if !hmac.Equal([]byte(idt.Nonce), []byte(txn.Nonce)) {
		return upstreamSignIn{}, "ID token nonce mismatch"
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return upstreamSignIn{}, "ID token at_hash mismatch"
		}
	}
	if idt.Subject == "" || len(idt.Subject) > maxUpstreamSubject || !plainText(idt.Subject) {
		return upstreamSignIn{}, "ID token sub missing, too long or not plain text"
	}
	var c struct {
		Name              string `json:"name"`
		PreferredUsername string `json:"preferred_username"`
		Email             string `json:"email"`
		EmailVerified     *bool  `json:"email_verified"`
		AZP               string `json:"azp"`
		AuthTime          int64  `json:"auth_time"`
	}
	if err := idt.Claims(&c); err != nil {
		return upstreamSignIn{}, "ID token claims unreadable"
	}
	if c.AZP != "" && c.AZP != up.ClientID {
		return upstreamSignIn{}, "ID token azp names another client"
	}
	prof := profileClaims{Name: c.Name, EmailVerified: c.EmailVerified}
	if prof.Name == "" {
		prof.Name = c.PreferredUsername
	}
	if a, err := mail.ParseAddress(c.Email); err == nil && a.Address == c.Email && len(c.Email) <= maxProfileClaim {
		prof.Email = c.Email
	} else {
		prof.EmailVerified = nil
	}
	if len(prof.Name) > maxProfileClaim || !plainText(prof.Name) {
		prof.Name = ""
	}
	in := upstreamSignIn{profile: prof, subject: up.ID + ":" + idt.Subject}
	if c.AuthTime > 0 {
		in.authTime = time.Unix(c.AuthTime, 0) // startSession takes now for a time to come
	}
	return in, ""
}

// takeUpstreamTxn reads the pending sign-in of this browser and deletes
// the cookie in the same response: it serves one callback.
func (s *Server) takeUpstreamTxn(w http.ResponseWriter, r *http.Request) *upstreamTxn {
	c, err := r.Cookie(s.upstreamCookieName())
	if err != nil {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: s.upstreamCookieName(), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	var txn upstreamTxn
	if err := s.pending.Decode(upstreamTxnName, c.Value, &txn); err != nil {
		return nil
	}
	return &txn
}

// upstreamFailed logs why a sign-in through up failed, without any code
// or token, and shows the user a page.
func (s *Server) upstreamFailed(w http.ResponseWriter, r *http.Request, up *upstream, status int, title, desc, reason string, fields ...zap.Field) {
	s.audit(r, EventLoginFailure, "", "", append([]zap.Field{zap.String("idp", up.ID), zap.String("reason", reason)}, fields...)...)
	s.log.Warn("sign-in through identity provider failed", append([]zap.Field{zap.String("idp", up.ID), zap.String("reason", reason)}, fields...)...)
	s.pageError(w, status, title, desc)
}

func (s *Server) upstreamDown(w http.ResponseWriter, up *upstream) {
	desc := "We could not reach " + up.Name + " to sign you in. Try again in a minute."
	if len(s.users) > 0 {
		desc += " You can also sign in with your username and password."
	}
	w.Header().Set("Retry-After", "10")
	s.pageError(w, http.StatusServiceUnavailable, up.Name+" is not available right now", desc)
}

// plainText reports whether s is UTF-8 without control characters: what
// a subject or a name may be before it reaches the store (PostgreSQL text
// cannot hold NUL) and the pages.
func plainText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// safeErrorCode keeps an OAuth error code for logs only if it has the
// RFC 6749 §5.2 character set and a sane length.
func safeErrorCode(e string) string {
	if len(e) > 64 {
		return "(invalid)"
	}
	for i := 0; i < len(e); i++ {
		if c := e[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return "(invalid)"
		}
	}
	return e
}
