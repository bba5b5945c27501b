package authserver

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"go.uber.org/zap"

	"github.com/scopegate/scopegate/store"
)

const (
	sessionLifetime = 12 * time.Hour
	pendingLifetime = 15 * time.Minute
	// pendingName names sealed authorization requests inside securecookie's
	// MAC, so a session cookie can never be replayed as a request or back.
	pendingName = "scopegate_authz"
)

// session is the browser's state, carried in a signed and encrypted
// cookie. A browser gets one with an empty Username before login, so that
// the login form's CSRF token has something to bind to; such sessions live
// only in the cookie, so anonymous visitors cost no store writes. Login
// replaces it with a fresh ID (no session fixation) and records the signed-in
// session in the store under the SHA-256 of that ID: logout deletes the
// record, and a copy of the cookie taken before is worth nothing after
// (RFC 9700 §4.14.2, OpenID Connect RP-Initiated Logout 1.0 §2).
type session struct {
	ID       string
	Username string // canonical; empty before login
	// AuthTime is when the user authenticated, in unix seconds: the
	// login here, or what the identity provider said of its own (the ID
	// token's auth_time, OIDC Core §2).
	AuthTime int64
	// SignedInAt is when the sign-in completed here, in unix nanoseconds,
	// so that a sign-in in the same second as a request is told apart
	// from one made for it; 0 in cookies from before it was kept.
	SignedInAt int64
	// Credential fingerprints the user's password hash at login, so that
	// changing the password or removing the user in the config (at a
	// restart or a reload) ends every session of that user.
	Credential []byte
}

func (s *session) signedIn() bool { return s != nil && s.Username != "" }

// initCookies sets up the cookie codecs, taking the keys from cfg or from
// the store (created once, shared by every instance).
func (s *Server) initCookies(ctx context.Context, hashKey, blockKey []byte) error {
	var err error
	if hashKey == nil {
		if hashKey, err = s.storedSecret(ctx, "authserver.cookie_hash_key", 64); err != nil {
			return err
		}
	}
	if blockKey == nil {
		if blockKey, err = s.storedSecret(ctx, "authserver.cookie_block_key", 32); err != nil {
			return err
		}
	}
	if n := len(hashKey); n < 32 {
		return fmt.Errorf("authserver: cookie hash key has %d bytes, want at least 32", n)
	}
	if n := len(blockKey); n != 16 && n != 24 && n != 32 {
		return fmt.Errorf("authserver: cookie block key has %d bytes, want 16, 24 or 32", n)
	}
	s.cookies = securecookie.New(hashKey, blockKey).MaxAge(int(sessionLifetime / time.Second))
	// Sealed requests travel in URLs and forms, not cookies, so they may
	// pass the 4 KB cookie limit: a request with the largest state and
	// nonce (maxStateLen each) seals to about 4.4 KB.
	s.pending = securecookie.New(hashKey, blockKey).MaxAge(int(pendingLifetime / time.Second)).MaxLength(8192)
	s.csrfKey = subkey(hashKey, "scopegate csrf v1")
	s.stateKey = subkey(hashKey, "scopegate upstream state v1")
	s.credKey = subkey(hashKey, "scopegate session credential v1")
	s.attemptKey = subkey(hashKey, "scopegate attempt limit v1")
	for _, up := range s.upstreams {
		up.credential = upstreamCredential(s.credKey, up)
	}
	return nil
}

// credentialFingerprint ties a session to the password hash its user
// signed in with. The users change only with the config, so fingerprints
// are computed then (setDirectory), not on every session read.
func credentialFingerprint(key []byte, name, passwordHash string) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(name))
	mac.Write([]byte{0})
	mac.Write([]byte(passwordHash))
	return mac.Sum(nil)[:16]
}

// subkey derives an independent key for one purpose from the cookie hash key.
func subkey(key []byte, purpose string) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(purpose))
	return mac.Sum(nil)
}

func (s *Server) storedSecret(ctx context.Context, name string, size int) ([]byte, error) {
	b, err := s.store.Secret(ctx, name, func() ([]byte, error) {
		b := make([]byte, size)
		_, err := rand.Read(b)
		return b, err
	})
	if err != nil {
		return nil, fmt.Errorf("authserver: loading %s: %w", name, err)
	}
	return b, nil
}

// sessionCookieName uses the __Host- prefix when cookies are Secure, so
// no subdomain can plant a session cookie.
func (s *Server) sessionCookieName() string {
	if s.secure {
		return "__Host-scopegate_session"
	}
	return "scopegate_session"
}

// readSession returns the browser's session, or nil if it has none, the
// cookie is invalid or expired, its user's credentials have changed, or
// (for a signed-in session) the store no longer holds it: it was ended
// at logout, it expired, or the store cannot say, which counts as signed
// out (fail closed).
func (s *Server) readSession(r *http.Request) *session {
	sess, err := s.readSessionStrict(r)
	if err != nil {
		s.log.Warn("reading login session failed; treating the browser as signed out", zap.Error(err))
		return nil
	}
	return sess
}

// pageSession is readSessionStrict for the pages and endpoints that act on
// a signed-in user: when the store cannot answer it writes the 503 (or
// 500) page itself and returns false, so that a signed-in user is never
// sent to sign in again by an outage.
func (s *Server) pageSession(w http.ResponseWriter, r *http.Request) (*session, bool) {
	sess, err := s.readSessionStrict(r)
	if err != nil {
		s.internalError(w, r, err)
		return nil, false
	}
	return sess, true
}

// readSessionStrict is readSession for callers that must not mistake a
// store that cannot answer for a signed-out browser: it returns the
// store's error (never store.ErrNotFound, which is simply no session).
func (s *Server) readSessionStrict(r *http.Request) (*session, error) {
	c, err := r.Cookie(s.sessionCookieName())
	if err != nil {
		return nil, nil
	}
	var sess session
	if err := s.cookies.Decode(s.sessionCookieName(), c.Value, &sess); err != nil || sess.ID == "" {
		return nil, nil
	}
	if sess.Username != "" {
		// hmac.Equal(nil, nil) is true, so a missing user is checked apart.
		want, ok := s.credentialFor(sess.Username)
		if !ok || !hmac.Equal(sess.Credential, want) {
			return nil, nil
		}
		rec, err := s.store.LoginSession(r.Context(), sessionRecordID(sess.ID), s.now())
		switch {
		case errors.Is(err, store.ErrNotFound):
			return nil, nil
		case err != nil:
			return nil, err
		}
		if rec.Subject != sess.Username {
			return nil, nil
		}
	}
	return &sess, nil
}

// sessionRecordID is the store key of a session: the hex SHA-256 of the
// ID in the cookie, so that reading the store yields no usable session.
func sessionRecordID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// anonymousSession returns the current session, creating a signed-out one
// when the browser has none.
func (s *Server) anonymousSession(w http.ResponseWriter, r *http.Request) (*session, error) {
	if sess := s.readSession(r); sess != nil {
		return sess, nil
	}
	sess := &session{ID: randomToken(32)}
	return sess, s.writeSession(w, sess)
}

// startSession replaces whatever session the browser had with a new one
// for username, under a new ID recorded in the store; the session the
// browser had before, if signed in, ends.
// authTime is when the user authenticated, if an identity provider said
// so, else the zero time: the sign-in is now.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, username string, authTime time.Time) (*session, error) {
	cred, _ := s.credentialFor(username)
	now := s.now()
	if authTime.IsZero() || authTime.After(now) {
		authTime = now
	}
	sess := &session{ID: randomToken(32), Username: username, AuthTime: authTime.Unix(), SignedInAt: now.UnixNano(), Credential: cred}
	rec := store.LoginSession{ID: sessionRecordID(sess.ID), Subject: username,
		AuthTime: time.Unix(sess.AuthTime, 0), CreatedAt: now, ExpiresAt: now.Add(sessionLifetime)}
	if err := s.store.CreateLoginSession(r.Context(), rec); err != nil {
		return nil, fmt.Errorf("authserver: recording login session: %w", err)
	}
	if old := s.readSession(r); old.signedIn() {
		s.deleteSession(r, old)
	}
	return sess, s.writeSession(w, sess)
}

// deleteSession ends sess on the server. The delete outlives a client
// that hangs up, since the browser may already have dropped the cookie.
func (s *Server) deleteSession(r *http.Request, sess *session) {
	ctx := context.WithoutCancel(r.Context())
	if err := s.store.DeleteLoginSession(ctx, sessionRecordID(sess.ID)); err != nil {
		s.log.Error("ending login session: the store did not delete it", zap.Error(err))
	}
}

func (s *Server) writeSession(w http.ResponseWriter, sess *session) error {
	v, err := s.cookies.Encode(s.sessionCookieName(), sess)
	if err != nil {
		return fmt.Errorf("authserver: encoding session: %w", err)
	}
	http.SetCookie(w, &http.Cookie{
		Name: s.sessionCookieName(), Value: v, Path: "/",
		MaxAge: int(sessionLifetime / time.Second), HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteLaxMode,
	})
	return nil
}

func (s *Server) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: s.sessionCookieName(), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	})
}
