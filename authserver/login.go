package authserver

import (
	"context"
	"net/http"
	"net/netip"
	"time"

	"go.uber.org/zap"

	"github.com/scopegate/scopegate/authserver/pages"
	"github.com/scopegate/scopegate/oauthrule"
)

const (
	msgBadLogin        = "Incorrect username or password."
	msgTooManyAttempts = "Too many attempts. Try again later."
	msgBusy            = "Sign-in is busy right now. Try again in a moment."

	// Retry-After values (RFC 9110 §10.2.3), in seconds: a limited key
	// waits for a good part of its window; a busy hash gate frees up fast.
	retryAfterLimited = "60"
	retryAfterBusy    = "1"
)

// reserveLogin counts one failed login of account from addr before the
// password is compared, in every limit at once, in memory and then in the
// store (sharedlimit.go), and reports whether all of them still allowed
// it; if one refuses, the others are given back. An error means the store
// could not count, and the attempt is refused.
func (s *Server) reserveLogin(ctx context.Context, account, addr string) (held, bool, error) {
	pair := pairKey(account, addr)
	if !s.logins.reserve(pair) {
		return nil, false, nil
	}
	if !s.addrs.reserve(addr) {
		s.logins.refund(pair)
		return nil, false, nil
	}
	if !s.accounts.reserve(account, addr) {
		s.logins.refund(pair)
		s.addrs.refund(addr)
		return nil, false, nil
	}
	h, ok, err := s.reserveLoginShared(ctx, account, addr)
	if err != nil || !ok {
		s.refundLocal(account, addr)
	}
	return h, ok, err
}

// refundLogin gives back what reserveLogin counted, after a success or
// when nothing was compared.
func (s *Server) refundLogin(ctx context.Context, h held, account, addr string) {
	s.refundLocal(account, addr)
	s.refundShared(ctx, h)
}

func (s *Server) refundLocal(account, addr string) {
	s.logins.refund(pairKey(account, addr))
	s.addrs.refund(addr)
	s.accounts.refund(account, addr)
}

// handleLoginPage shows the sign-in form, for a pending authorization
// request (authz) or on its own.
func (s *Server) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	sealed := r.URL.Query().Get("authz")
	req := s.openRequest(sealed)
	if sealed != "" && req == nil {
		s.expiredRequest(w)
		return
	}
	sess, err := s.anonymousSession(w, r)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.renderLogin(w, http.StatusOK, sess, req, sealed, "", "")
}

func (s *Server) renderLogin(w http.ResponseWriter, status int, sess *session, req *authRequest, sealed, username, msg string) {
	d := pages.LoginData{Action: "/oauth2/login", CSRFToken: s.csrfToken(sess), Username: username, Error: msg}
	if req != nil {
		d.ClientName = s.clients[req.ClientID].Name
		d.Hidden = map[string]string{"authz": sealed}
	}
	d.NoPassword = len(s.users) == 0 && len(s.upstreamOrder) > 0
	for _, up := range s.upstreamOrder {
		d.Providers = append(d.Providers, pages.ProviderButton{Name: up.Name, Action: "/oauth2/idp/" + up.ID + "/start"})
	}
	s.pages.Login(w, status, d)
}

// maxUsernameLen bounds what a login form may make us hash and remember.
const maxUsernameLen = 256

// handleLogin checks the submitted credentials. Failures are counted per
// account and client address together, per address, and per account over
// all addresses; the message never says which part was wrong.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(w, r)
	if err != nil {
		s.pageError(w, http.StatusBadRequest, "Invalid request", "The form could not be read.")
		return
	}
	sess := s.readSession(r)
	if !s.checkCSRF(sess, p.Get("csrf_token")) {
		s.csrfFailed(w)
		return
	}
	sealed := p.Get("authz")
	req := s.openRequest(sealed)
	if sealed != "" && req == nil {
		s.expiredRequest(w)
		return
	}
	username := p.Get("username")
	addr := s.clientAddr(r)
	if len(username) > maxUsernameLen {
		// No account has such a name; only the address pays for it.
		s.addrs.fail(addr)
		s.countShared(r.Context(), sharedAddrs, addr)
		s.audit(r, EventLoginFailure, "", requestClient(req), zap.Bool("username_too_long", true))
		s.renderLogin(w, http.StatusUnauthorized, sess, req, sealed, "", msgBadLogin)
		return
	}
	account := oauthrule.CanonicalUsername(username)
	held, ok, err := s.reserveLogin(r.Context(), account, addr)
	if err != nil {
		// Fail closed: an attempt the limits cannot count is not made.
		s.log.Error("login refused: attempt limits unavailable", zap.Error(err))
		w.Header().Set("Retry-After", retryAfterBusy)
		s.renderLogin(w, http.StatusServiceUnavailable, sess, req, sealed, username, msgBusy)
		return
	}
	if !ok {
		s.log.Warn("login rate limited", zap.String("remote_addr", s.remoteAddr(r)))
		s.audit(r, EventLoginBlocked, account, requestClient(req))
		w.Header().Set("Retry-After", retryAfterLimited)
		s.renderLogin(w, http.StatusTooManyRequests, sess, req, sealed, username, msgTooManyAttempts)
		return
	}
	u, busy := s.checkPassword(r.Context(), username, p.Get("password"))
	if busy {
		// Not the user's failure: nothing was compared.
		s.refundLogin(r.Context(), held, account, addr)
		s.log.Warn("login refused: password hashing busy", zap.String("remote_addr", s.remoteAddr(r)))
		w.Header().Set("Retry-After", retryAfterBusy)
		s.renderLogin(w, http.StatusServiceUnavailable, sess, req, sealed, username, msgBusy)
		return
	}
	if u == nil {
		// The failure stays counted: it was reserved before the compare.
		s.audit(r, EventLoginFailure, account, requestClient(req))
		s.renderLogin(w, http.StatusUnauthorized, sess, req, sealed, username, msgBadLogin)
		return
	}
	s.refundLogin(r.Context(), held, account, addr)
	s.logins.reset(pairKey(account, addr))
	if err := s.store.ResetAttempts(r.Context(), s.sharedKey(sharedLogins, pairKey(account, addr))); err != nil {
		// Only the user's earlier failures stay counted until the window ends.
		s.log.Warn("resetting login attempts", zap.Error(err))
	}
	// A new session ID at every login: a planted cookie never becomes a
	// signed-in session (session fixation).
	sess, err = s.startSession(w, r, oauthrule.CanonicalUsername(u.Username), time.Time{})
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.audit(r, EventLoginSuccess, sess.Username, requestClient(req))
	if req == nil {
		http.Redirect(w, r, "/oauth2/account", http.StatusSeeOther)
		return
	}
	// The request is continued on a GET of the authorization flow, so this
	// POST always ends in a 303 (RFC 9700 §4.12).
	s.continueAuthorization(w, r, req, sess)
}

// requestClient is the client of a pending authorization request, or ""
// for a sign-in on its own.
func requestClient(req *authRequest) string {
	if req == nil {
		return ""
	}
	return req.ClientID
}

// clientAddr is the address that failures are counted against: the IPv4
// address, or the /64 of an IPv6 one, since one host usually holds a
// whole /64. It is the direct peer, or the client a trusted proxy
// (server.trusted_proxies) names in X-Forwarded-For; otherwise behind a
// balancer every user would share one address and one attacker could
// lock everybody out.
func (s *Server) clientAddr(r *http.Request) string {
	ip, ok := s.trusted.Addr(r)
	if !ok {
		return r.RemoteAddr
	}
	if ip.Is6() {
		return netip.PrefixFrom(ip, 64).Masked().String()
	}
	return ip.String()
}

func (s *Server) csrfFailed(w http.ResponseWriter) {
	s.pageError(w, http.StatusForbidden, "This form has expired",
		"The page was open too long or came from another site. Go back, reload and try again.")
}

func (s *Server) expiredRequest(w http.ResponseWriter) {
	s.pageError(w, http.StatusBadRequest, "This sign-in link has expired",
		"Return to the application and start again.")
}
