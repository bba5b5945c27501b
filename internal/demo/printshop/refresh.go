package printshop

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"
	"golang.org/x/oauth2"
)

// refreshMargin is how long before its expiry an access token is renewed,
// so that it does not expire between our check and the gateway's.
const refreshMargin = 30 * time.Second

// accessToken returns the session's access token for a call to the
// gateway, or "" before connecting. An access token that has expired (or
// is about to) is first renewed with the refresh token (RFC 6749 §6)
// through x/oauth2's TokenSource, so the shop keeps working long after
// the first token's ten minutes, without sending the visitor back to the
// drive. If renewing fails (the visitor removed PrintMyPhotos from their
// account, say), the old token is returned and the gateway's 401 shows on
// the page.
func (s *Shop) accessToken(ctx context.Context, sess *session) string {
	sess.mu.Lock()
	tok := sess.token
	sess.mu.Unlock()
	if tok == nil || tok.RefreshToken == "" || !s.expiring(tok) {
		return tokenString(tok)
	}
	// One refresh at a time per visitor: the drive rotates refresh tokens
	// and treats a second use of one as theft, revoking the whole grant
	// (RFC 9700 §4.14.2). The page and its thumbnails ask at once, so the
	// others wait here and then take the fresh token.
	sess.refreshMu.Lock()
	defer sess.refreshMu.Unlock()
	sess.mu.Lock()
	tok = sess.token
	sess.mu.Unlock()
	if tok == nil || tok.RefreshToken == "" || !s.expiring(tok) {
		return tokenString(tok)
	}
	md, err := s.disc.get(ctx)
	if err != nil {
		s.cfg.Logger.Warn("discovery failed before a token refresh", zap.Error(err))
		return tok.AccessToken
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, s.cfg.HTTPClient)
	// A token without an access token is never valid, so the TokenSource
	// refreshes it; if the response has no new refresh token, x/oauth2
	// keeps the old one.
	fresh, err := s.oauthConfig(md).TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil {
		var re *oauth2.RetrieveError
		reason := "unreachable"
		if errors.As(err, &re) && re.ErrorCode != "" {
			reason = re.ErrorCode
		}
		s.cfg.Logger.Warn("token refresh failed", zap.String("reason", reason))
		sess.mu.Lock()
		sess.flow.refreshFailed = reason
		sess.mu.Unlock()
		return tok.AccessToken
	}
	sess.mu.Lock()
	defer sess.mu.Unlock()
	if sess.token != tok { // disconnected or reconnected meanwhile
		return tokenString(sess.token)
	}
	s.stampExpiry(fresh)
	sess.token = fresh
	sess.flow.refreshed = s.cfg.Now()
	sess.flow.refreshes++
	sess.flow.refreshFailed = ""
	sess.flow.grant = grantOf(fresh, s.cfg.Scopes)
	return fresh.AccessToken
}

// expiring reports whether tok expires within refreshMargin by the shop's
// clock. A token without an expiry is used until the gateway refuses it.
func (s *Shop) expiring(tok *oauth2.Token) bool {
	return !tok.Expiry.IsZero() && !s.cfg.Now().Before(tok.Expiry.Add(-refreshMargin))
}

// stampExpiry sets tok.Expiry from expires_in by the shop's clock, the
// one expiring reads (x/oauth2 stamps it by the wall clock).
func (s *Shop) stampExpiry(tok *oauth2.Token) {
	if tok.ExpiresIn > 0 {
		tok.Expiry = s.cfg.Now().Add(time.Duration(tok.ExpiresIn) * time.Second)
	}
}

func tokenString(tok *oauth2.Token) string {
	if tok == nil {
		return ""
	}
	return tok.AccessToken
}
