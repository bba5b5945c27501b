package printshop

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

const (
	cookieName  = "pmp_session"
	sessionIdle = 2 * time.Hour
)

// session is one browser's state. Its fields are guarded by mu; handlers hold it only
// for short reads and writes, never across a network call.
type session struct {
	mu       sync.Mutex
	csrf     string
	lastSeen time.Time

	// The pending authorization request: set by /connect or /signin, consumed by
	// /callback. signingIn and nonce belong to a sign-in.
	state, verifier, nonce string
	signingIn              bool
	user                   *user // signed in with the photo drive

	token *oauth2.Token
	// refreshMu serialises refreshes of token (refresh.go); it is held
	// across the call to the token endpoint, mu never is.
	refreshMu sync.Mutex
	flow      flowLog
	answer    *gatewayAnswer // the last "try to upload" result
	flash     string         // a one-shot message for the next page
	orders    map[string]*order
}

// sessions is the in-memory session table, keyed by the cookie's random value.
type sessions struct {
	mu     sync.Mutex
	byID   map[string]*session
	now    func() time.Time
	secure bool
}

// get returns the request's session, or nil if it has none or it expired.
func (ss *sessions) get(r *http.Request) *session {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return nil
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := ss.byID[c.Value]
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := ss.now()
	if now.Sub(s.lastSeen) > sessionIdle {
		delete(ss.byID, c.Value)
		return nil
	}
	s.lastSeen = now
	return s
}

// ensure returns the request's session, starting one (and setting its cookie) if needed.
func (ss *sessions) ensure(w http.ResponseWriter, r *http.Request) *session {
	if s := ss.get(r); s != nil {
		return s
	}
	id := randomString()
	now := ss.now()
	s := &session{csrf: randomString(), lastSeen: now, orders: map[string]*order{}}
	s.flow.opened = now
	ss.mu.Lock()
	for k, old := range ss.byID { // prune on creation: cheap enough for a demo's traffic
		if now.Sub(old.seen()) > sessionIdle {
			delete(ss.byID, k)
		}
	}
	ss.byID[id] = s
	ss.mu.Unlock()
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: id, Path: "/",
		HttpOnly: true, Secure: ss.secure, SameSite: http.SameSiteLaxMode,
	})
	return s
}

// drop forgets the request's session and clears its cookie.
func (ss *sessions) drop(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(cookieName); err == nil {
		ss.mu.Lock()
		delete(ss.byID, c.Value)
		ss.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: ss.secure, SameSite: http.SameSiteLaxMode,
	})
}

func (s *session) seen() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastSeen
}

// checkCSRF compares the form's token with the session's in constant time.
func (s *session) checkCSRF(r *http.Request) bool {
	s.mu.Lock()
	want := s.csrf
	s.mu.Unlock()
	got := r.PostFormValue("csrf")
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// takeFlash returns the pending one-shot message and clears it.
func (s *session) takeFlash() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.flash
	s.flash = ""
	return f
}

// randomString returns 32 random bytes, base64url encoded.
func randomString() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand documents it)
	return base64.RawURLEncoding.EncodeToString(b)
}
