package authserver

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"go.uber.org/zap"

	"github.com/scopegate/scopegate/oauthrule"
	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/token"
)

// scopeOfflineAccess asks for a refresh token in an OpenID Connect
// request (OIDC Core §11).
const scopeOfflineAccess = "offline_access"

// refreshTokenBytes is the entropy of a refresh token: 256 bits, beyond
// the 2^-160 guessing bound of OAuth 2.1 §7.7 (draft-ietf-oauth-v2-1).
const refreshTokenBytes = 32

// refreshTokenID is the stored form of a refresh token: hex SHA-256. A
// leaked database yields no usable refresh token. The token has 256 random
// bits, so an unsalted fast hash is enough: there is nothing to guess.
func refreshTokenID(rt string) string {
	sum := sha256.Sum256([]byte(rt))
	return hex.EncodeToString(sum[:])
}

// issuesRefresh reports whether a code exchange of client c with scopes
// comes with a refresh token: the client must be registered for the
// refresh_token grant (RFC 9700 §4.14.2 lets the server decide per
// client), and an OpenID Connect request (scope openid) must also have
// asked for, and been granted, offline_access (OIDC Core §11).
func (s *Server) issuesRefresh(c *client, scopes []string) bool {
	if !c.allowsGrant(oauthrule.GrantRefreshToken) {
		return false
	}
	return !slices.Contains(scopes, "openid") || slices.Contains(scopes, scopeOfflineAccess)
}

// issueRefreshToken stores the first refresh token of a new family, made
// from the code ac redeemed at now, and returns it. The family ends
// RefreshTokenTTL after now however often it is rotated.
func (s *Server) issueRefreshToken(ctx context.Context, ac store.AuthCode, now time.Time) (string, error) {
	now = now.UTC()
	family := now.Add(s.rtTTL)
	raw := randomToken(refreshTokenBytes)
	rt := store.RefreshToken{
		ID: refreshTokenID(raw), GrantID: ac.GrantID, ClientID: ac.ClientID, Subject: ac.Subject,
		Scopes: ac.Scopes, AuthorizationDetails: ac.AuthorizationDetails, AuthTime: ac.AuthTime, Credential: ac.Credential,
		CreatedAt: now, ExpiresAt: minTime(now.Add(s.rtIdle), family), FamilyExpiresAt: family,
	}
	if err := s.store.CreateRefreshToken(ctx, rt); err != nil {
		return "", fmt.Errorf("authserver: storing refresh token: %w", err)
	}
	return raw, nil
}

// refreshGrant runs the refresh token grant (RFC 6749 §6) with rotation
// (RFC 9700 §4.14.2): every use returns a new refresh token and retires
// the one presented. A retired token presented again means that two
// parties hold the family, and the server cannot tell the thief from the
// owner, so the whole grant is revoked: its refresh tokens and its access
// tokens. A client that loses a race between two concurrent refreshes of
// one token is, by the same rule, indistinguishable from a replay: the
// store lets exactly one of them win, and the others revoke the grant.
// There is no grace period, so no second live family can ever exist.
//
// The store reads and retires the token in one transaction and asks
// refreshSuccessor.of for the next one meanwhile; the access token is signed
// there, before the commit, so that a failure to sign (or a refusal)
// leaves the presented token usable: a client never holds a retired token
// without having received its successor.
func (s *Server) refreshGrant(r *http.Request, c *client, p url.Values) (*tokenResponse, error) {
	raw := p.Get("refresh_token")
	if raw == "" {
		return nil, oauthErr(codeInvalidRequest, "refresh_token is required")
	}
	asked, oe := tokenDetails(p)
	if oe != nil {
		return nil, oe
	}
	ctx := r.Context()
	now := s.now().UTC()
	// The signing key first: getting it may rotate keys through the
	// store, which refreshSuccessor.of must not call.
	key, err := s.keys.signer(ctx, jose.ES256)
	if err != nil {
		return nil, err
	}
	next := refreshSuccessor{s: s, c: c, p: p, asked: asked, key: key, now: now}
	old, err := s.store.RotateRefreshToken(ctx, refreshTokenID(raw), now, next.of)
	switch {
	case errors.Is(err, errRefreshOfAnotherClient) || errors.Is(err, store.ErrConflict) && old.ClientID != c.ID:
		// RFC 6749 §6: the token is bound to the client it was issued to.
		// A token presented by another client is refused without touching
		// the grant: for a public client anyone can claim the client_id,
		// so the presenter proves nothing and must not be able to revoke.
		s.log.Warn("refresh token presented by another client",
			zap.String("client_id", c.ID), zap.String("token_client_id", old.ClientID))
		return nil, errBadRefresh()
	case errors.Is(err, store.ErrConflict):
		// Rotated before: a replay, or a concurrent refresh won.
		return nil, s.refreshReused(r, old, "refresh token reused")
	case errors.Is(err, store.ErrNotFound):
		// Unknown, expired, or its grant revoked.
		return nil, errBadRefresh()
	case err != nil:
		return nil, err
	}
	// A federated user whose profile is gone from the store (checked here,
	// after the commit, because refreshSuccessor.of may not read the store) loses
	// the grant: the server no longer knows who it is.
	if s.users[old.Subject] == nil {
		if _, ok, err := s.userProfile(ctx, old.Subject); err != nil {
			return nil, err
		} else if !ok {
			if err := s.revokeGrantAudited(r, old.GrantID, old.Subject, c.ID, "user unknown"); err != nil {
				return nil, err
			}
			return nil, errBadRefresh()
		}
	}
	s.touchGrant(ctx, old.GrantID)
	s.audit(r, EventTokenRefreshed, old.Subject, c.ID, zap.String("grant_type", oauthrule.GrantRefreshToken),
		zap.String("jti", next.claims.ID), zap.String("grant_id", old.GrantID), zap.Strings("scopes", next.claims.Scopes))
	return &tokenResponse{AccessToken: next.accessToken, TokenType: "Bearer", ExpiresIn: int64(s.atTTL.Seconds()),
		Scope: oauthrule.FormatScope(next.claims.Scopes), RefreshToken: next.raw,
		// The pick, as in the code's token response (RFC 9396 §7).
		AuthorizationDetails: encodeDetails(next.claims.AuthorizationDetails)}, nil
}

// errRefreshOfAnotherClient is refreshSuccessor.of's refusal of a token issued to
// another client.
var errRefreshOfAnotherClient = errors.New("authserver: refresh token of another client")

// refreshSuccessor makes the successor of a refresh token inside the
// store's rotation, and keeps what the token response needs.
type refreshSuccessor struct {
	s     *Server
	c     *client
	p     url.Values
	asked []token.AuthorizationDetail // the request's authorization_details (tokenDetails)
	key   *signingKey
	now   time.Time

	claims      token.Claims // of the new access token
	accessToken string
	raw         string // the new refresh token, as the client gets it
}

// of checks that old may be refreshed by this request, signs the access
// token and returns the refresh token that succeeds old. It runs inside
// the store's transaction, so it touches no store: the user is checked
// against the config (and against the provider list for federated users,
// whose stored profile refreshGrant checks after the commit).
func (n *refreshSuccessor) of(old store.RefreshToken) (store.RefreshToken, error) {
	s, c := n.s, n.c
	if old.ClientID != c.ID {
		return store.RefreshToken{}, errRefreshOfAnotherClient
	}
	scopes, oe := s.refreshScopes(c, old.Scopes, n.p)
	if oe != nil {
		return store.RefreshToken{}, oe
	}
	// A user who is gone (removed from the config, or a federated user
	// whose provider is) gets no more tokens.
	if !s.knownUser(old.Subject) {
		return store.RefreshToken{}, errBadRefresh()
	}
	cred, err := s.checkRefreshCredential(old)
	if err != nil {
		return store.RefreshToken{}, err
	}
	var granted []token.AuthorizationDetail
	if len(old.AuthorizationDetails) > 0 {
		if err := json.Unmarshal(old.AuthorizationDetails, &granted); err != nil {
			return store.RefreshToken{}, fmt.Errorf("authserver: refresh token %s: authorization details: %w", old.ID[:8], err)
		}
	}
	scopes, details, oe := s.narrowDetails(scopes, granted, n.asked)
	if oe != nil {
		return store.RefreshToken{}, oe
	}
	n.claims = token.Claims{ID: randomToken(32), Subject: old.Subject, ClientID: c.ID, Scopes: scopes, GrantID: old.GrantID,
		AuthorizationDetails: details}
	if n.accessToken, err = s.signAccessToken(n.key, n.claims, n.now); err != nil {
		return store.RefreshToken{}, err
	}
	n.raw = randomToken(refreshTokenBytes)
	// RFC 6749 §6: the new refresh token has the scope of the old one,
	// whatever this request narrowed the access token to.
	next := old
	next.ID, next.CreatedAt, next.RotatedAt = refreshTokenID(n.raw), n.now, time.Time{}
	next.Credential = cred
	next.ExpiresAt = minTime(n.now.Add(s.rtIdle), old.FamilyExpiresAt)
	return next, nil
}

// refreshScopes returns the scopes of a refreshed access token: those
// asked for, each of which the refresh token must hold (RFC 6749 §6: the
// scope may only shrink; RFC 9700 §4.14.2), or all it holds when the
// request names none. Scopes the client may no longer ask for (the config
// changed) are dropped.
func (s *Server) refreshScopes(c *client, held []string, p url.Values) ([]string, *Error) {
	want := held
	if p.Has("scope") {
		asked, ok := oauthrule.ParseScope(p.Get("scope"))
		if !ok || len(asked) == 0 {
			return nil, oauthErr(codeInvalidScope, "the scope parameter is malformed")
		}
		for _, sc := range asked {
			if !slices.Contains(held, sc) {
				return nil, oauthErr(codeInvalidScope, "the scope exceeds what the user granted")
			}
		}
		want = asked
	}
	var out []string
	for _, sc := range want {
		if !slices.Contains(out, sc) && s.clientMayHold(c, sc) {
			out = append(out, sc)
		}
	}
	if len(out) == 0 {
		return nil, oauthErr(codeInvalidScope, "none of the scopes is allowed for this client any more")
	}
	return out, nil
}

// clientMayHold reports whether c may still be given scope sc under the
// running config: the rule of checkScopes for the code flow.
func (s *Server) clientMayHold(c *client, sc string) bool {
	return slices.Contains(identityScopes, sc) ||
		sc == scopeOfflineAccess && c.allowsGrant(oauthrule.GrantRefreshToken) ||
		slices.Contains(c.Scopes, sc) && s.isDeclared(sc)
}

// refreshReused handles a retired refresh token presented again (RFC 9700
// §4.14.2): it revokes the token's grant, which stops the family's live
// refresh token and every access token issued from the grant, and
// answers invalid_grant.
func (s *Server) refreshReused(r *http.Request, old store.RefreshToken, reason string) error {
	s.log.Warn("refresh token reused; revoking its grant",
		zap.String("client_id", old.ClientID), zap.String("grant_id", old.GrantID))
	s.audit(r, EventRefreshTokenReused, old.Subject, old.ClientID, zap.String("grant_id", old.GrantID))
	if err := s.revokeGrantAudited(r, old.GrantID, old.Subject, old.ClientID, reason); err != nil {
		return err
	}
	return errBadRefresh()
}

// revokeGrantAudited revokes the grant id (RevokeGrant) and writes the
// grant.revoked audit event when the grant was live.
func (s *Server) revokeGrantAudited(r *http.Request, id, subject, clientID, reason string) error {
	live, err := s.RevokeGrant(r.Context(), id)
	if err != nil {
		return err
	}
	if live {
		s.audit(r, EventGrantRevoked, subject, clientID, zap.String("grant_id", id), zap.String("reason", reason))
	}
	return nil
}

// errBadRefresh is the one answer to every refresh token that does not
// work (unknown, expired, retired, another client's, its grant revoked):
// RFC 6749 §5.2 invalid_grant, saying nothing about which.
func errBadRefresh() *Error {
	return oauthErr(codeInvalidGrant, "the refresh token is invalid, expired or revoked")
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// hasDots reports whether tok looks like a JWS compact serialization
// (three dot-separated parts), the form of access tokens; refresh tokens
// are opaque base64url without dots.
func hasDots(tok string) bool { return strings.Count(tok, ".") == 2 }
