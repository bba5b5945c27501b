package authserver

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync/atomic"

	jose "github.com/go-jose/go-jose/v4"
	"go.uber.org/zap"
)

// client is a registered client as the server keeps it: no plaintext
// secret, only a bcrypt hash or a keyed hash.
type client struct {
	ID           string
	Name         string
	RedirectURIs []string
	GrantTypes   []string
	Scopes       []string
	public       bool
	// idTokenAlg signs this client's ID tokens.
	idTokenAlg jose.SignatureAlgorithm
	// postLogoutURIs are the registered post_logout_redirect_uris.
	postLogoutURIs []string
	firstParty     bool // part of this product: no consent page (Client.FirstParty)

	secretMAC  []byte // HMAC of a plaintext secret from the config
	secretHash []byte // bcrypt hash from the config
	// verified is the HMAC of a presented secret that passed bcrypt once;
	// later requests with the same secret skip bcrypt.
	verified atomic.Pointer[[]byte]
}

func (c *client) allowsGrant(g string) bool { return slices.Contains(c.GrantTypes, g) }

// secretChecker owns the per-process HMAC key. The key never leaves
// memory, so the keyed hashes are useless outside this process.
type secretChecker struct{ key []byte }

func newSecretChecker() (*secretChecker, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("authserver: generating secret key: %w", err)
	}
	return &secretChecker{key: key}, nil
}

func (sc *secretChecker) mac(secret string) []byte {
	m := hmac.New(sha256.New, sc.key)
	m.Write([]byte(secret))
	return m.Sum(nil)
}

// register converts a configured client, dropping its plaintext secret.
func (sc *secretChecker) register(c Client) *client {
	out := &client{
		ID: c.ID, Name: c.Name, RedirectURIs: c.RedirectURIs, Scopes: c.Scopes,
		GrantTypes: grantTypesOrDefault(c.GrantTypes),
		public:     c.Secret == "" && c.SecretHash == "",
		firstParty: c.FirstParty,
		idTokenAlg: jose.RS256, postLogoutURIs: c.PostLogoutRedirectURIs,
	}
	if c.IDTokenSignedResponseAlg != "" {
		out.idTokenAlg = jose.SignatureAlgorithm(c.IDTokenSignedResponseAlg)
	}
	if out.Name == "" {
		out.Name = c.ID
	}
	if c.Secret != "" {
		out.secretMAC = sc.mac(c.Secret)
	}
	if c.SecretHash != "" {
		out.secretHash = []byte(c.SecretHash)
	}
	return out
}

// authenticateClient identifies the client of a token request by
// client_secret_basic, client_secret_post, or, for public clients, by
// client_id alone (PKCE then proves possession). Exactly one method may
// be used (RFC 6749 §2.3).
func (s *Server) authenticateClient(r *http.Request, p url.Values) (*client, *Error) {
	id, secret, hasSecret, oe := clientCredentials(r, p)
	if oe != nil {
		return nil, oe
	}
	c, ok := s.clients[id]
	if !ok || id == "" {
		return nil, errInvalidClient()
	}
	if c.public {
		if hasSecret {
			return nil, errInvalidClient()
		}
		return c, nil
	}
	if secret == "" {
		return nil, errInvalidClient()
	}
	if oe := s.checkSecret(r, c, secret); oe != nil {
		return nil, oe
	}
	return c, nil
}

// clientCredentials extracts the client id and secret from the request.
func clientCredentials(r *http.Request, p url.Values) (id, secret string, hasSecret bool, oe *Error) {
	auth := r.Header.Values("Authorization")
	if len(auth) > 1 {
		return "", "", false, oauthErr(codeInvalidRequest, "more than one Authorization header")
	}
	if len(auth) == 0 {
		return p.Get("client_id"), p.Get("client_secret"), p.Has("client_secret"), nil
	}
	if p.Has("client_secret") {
		return "", "", false, oauthErr(codeInvalidRequest, "more than one client authentication method")
	}
	user, pass, ok := r.BasicAuth()
	if !ok {
		return "", "", false, errInvalidClient()
	}
	// RFC 6749 §2.3.1: both parts are form-urlencoded before encoding.
	id, err1 := url.QueryUnescape(user)
	secret, err2 := url.QueryUnescape(pass)
	if err1 != nil || err2 != nil {
		return "", "", false, errInvalidClient()
	}
	if p.Has("client_id") && p.Get("client_id") != id {
		return "", "", false, oauthErr(codeInvalidRequest, "client_id does not match the Authorization header")
	}
	return id, secret, true, nil
}

// checkSecret compares in constant time against the keyed hash, or the
// remembered verified secret; anything else pays the full bcrypt cost,
// counted as a failure of the client from addr before the comparison and
// given back on success. Failures are counted per client and address, and
// per client by failing addresses, so that one address cannot lock a
// client out by sending wrong secrets for its public ID, and many
// addresses cannot guess without bound. When the hash gate is full the
// answer is 503 temporarily_unavailable with Retry-After: the client did
// nothing wrong and may retry.
func (s *Server) checkSecret(r *http.Request, c *client, secret string) *Error {
	addr := s.clientAddr(r)
	presented := s.secrets.mac(secret)
	if c.secretMAC != nil {
		if hmac.Equal(c.secretMAC, presented) {
			return nil
		}
		s.clientAuthFailed(r, c, addr)
		return errInvalidClient()
	}
	if v := c.verified.Load(); v != nil && hmac.Equal(*v, presented) {
		return nil
	}
	pair := pairKey(c.ID, addr)
	if !s.clientRL.reserve(pair) {
		s.log.Warn("client authentication rate limited", zap.String("client_id", c.ID))
		s.audit(r, EventClientAuthBlocked, c.ID, c.ID)
		return errInvalidClient()
	}
	if !s.clientsRL.reserve(c.ID, addr) {
		s.clientRL.refund(pair)
		s.log.Warn("client authentication rate limited", zap.String("client_id", c.ID))
		s.audit(r, EventClientAuthBlocked, c.ID, c.ID)
		return errInvalidClient()
	}
	h, ok, err := s.reserveClientShared(r.Context(), c.ID, addr)
	if err != nil || !ok {
		s.clientRL.refund(pair)
		s.clientsRL.refund(c.ID, addr)
		if err != nil {
			// Fail closed: a guess the limits cannot count is not checked.
			s.log.Error("client authentication refused: attempt limits unavailable", zap.Error(err))
			return errBusy()
		}
		s.log.Warn("client authentication rate limited", zap.String("client_id", c.ID))
		s.audit(r, EventClientAuthBlocked, c.ID, c.ID)
		return errInvalidClient()
	}
	ok, busy := s.compareHash(r.Context(), c.secretHash, secret)
	if busy {
		s.clientRL.refund(pair)
		s.clientsRL.refund(c.ID, addr)
		s.refundShared(r.Context(), h)
		s.log.Warn("client authentication refused: hashing busy", zap.String("client_id", c.ID))
		return errBusy()
	}
	if !ok {
		// The failure stays counted: it was reserved before the compare.
		s.audit(r, EventClientAuthFailure, c.ID, c.ID)
		return errInvalidClient()
	}
	s.clientRL.refund(pair)
	s.clientsRL.refund(c.ID, addr)
	s.refundShared(r.Context(), h)
	c.verified.Store(&presented)
	return nil
}

func (s *Server) clientAuthFailed(r *http.Request, c *client, addr string) {
	s.clientRL.fail(pairKey(c.ID, addr))
	s.clientsRL.reserve(c.ID, addr)
	s.countShared(r.Context(), sharedClient, pairKey(c.ID, addr))
	var h held
	if _, err := s.reserveSpread(r.Context(), &h, sharedClients, c.ID, addr); err != nil {
		s.log.Warn("counting a failed client authentication", zap.Error(err))
	}
	s.audit(r, EventClientAuthFailure, c.ID, c.ID)
}
