package authserver

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// IdentityProvider is an upstream OpenID provider users may sign in with
// (scopegate is then its relying party). Its users get the local subject
// "<ID>:<upstream sub>" and are never merged with local users.
type IdentityProvider struct {
	ID           string // lower-case letters, digits and dashes
	Name         string // "Continue with <Name>"; defaults to ID
	Issuer       string // found by OpenID discovery, lazily
	ClientID     string
	ClientSecret string   // empty for a public client: PKCE alone
	Scopes       []string // must include openid; default openid profile email
}

const (
	// upstreamRetryAfter spaces discovery attempts at a provider that is
	// down, so that a login page under load does not hammer it.
	upstreamRetryAfter = 10 * time.Second
	// upstreamTimeout bounds discovery, and the code exchange with the key
	// fetch: both together stay within the write deadline of a page
	// (2 × DefaultReadTimeout).
	upstreamTimeout = 5 * time.Second
	// maxUpstreamSubject is the longest sub OIDC Core §2 allows.
	maxUpstreamSubject = 255
	// maxProfileClaim bounds the name and email kept from a provider.
	maxProfileClaim = 256
)

// upstream is a configured provider and, once discovery succeeded, its
// metadata and keys. Discovery happens at the first sign-in, not at
// start, so a provider that is down never keeps the server from serving.
type upstream struct {
	IdentityProvider
	credential []byte // session fingerprint, see credentialFor

	mu       sync.Mutex
	provider *oidc.Provider
	lastTry  time.Time
	lastErr  error
}

// discover returns the provider's metadata, fetching it on first use and
// retrying at most every upstreamRetryAfter while it fails.
func (s *Server) discover(ctx context.Context, up *upstream) (*oidc.Provider, error) {
	up.mu.Lock()
	defer up.mu.Unlock()
	if up.provider != nil {
		return up.provider, nil
	}
	now := s.now()
	if !up.lastTry.IsZero() && now.Sub(up.lastTry) < upstreamRetryAfter {
		return nil, up.lastErr
	}
	up.lastTry = now
	ctx, cancel := context.WithTimeout(ctx, upstreamTimeout)
	defer cancel()
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, s.upstreamHTTP), up.Issuer)
	if err != nil {
		up.lastErr = err
		return nil, err
	}
	up.provider = p
	return p, nil
}

// oauth2Config is scopegate's client at the provider. The callback is
// under /oauth2/, so it reaches the authorization server.
func (s *Server) oauth2Config(up *upstream, p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{
		ClientID: up.ClientID, ClientSecret: up.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: s.upstreamCallback(up.ID), Scopes: up.Scopes,
	}
}

func (s *Server) upstreamCallback(id string) string {
	return s.endpoint("/oauth2/idp/" + id + "/callback")
}

// knownUser reports whether subject is a user of the running config: a
// local user, or a federated one whose provider is configured.
func (s *Server) knownUser(subject string) bool {
	return s.users[subject] != nil || s.federatedProvider(subject) != nil
}

// federatedProvider returns the configured provider of a federated
// subject, or nil for local users and providers removed from the config.
func (s *Server) federatedProvider(subject string) *upstream {
	if _, local := s.users[subject]; local {
		return nil
	}
	id, _, ok := strings.Cut(subject, ":")
	if !ok {
		return nil
	}
	return s.upstreams[id]
}

// credentialFor is the fingerprint a session of username must carry: of
// the password hash for local users, of the provider's configuration for
// federated ones, so that changing either ends the sessions it made.
func (s *Server) credentialFor(username string) ([]byte, bool) {
	if c, ok := s.credentials[username]; ok {
		return c, true
	}
	if up := s.federatedProvider(username); up != nil {
		return up.credential, true
	}
	return nil, false
}

func upstreamCredential(key []byte, up *upstream) []byte {
	mac := hmac.New(sha256.New, key)
	for _, v := range []string{"upstream", up.ID, up.Issuer, up.ClientID} {
		mac.Write([]byte(v))
		mac.Write([]byte{0})
	}
	return mac.Sum(nil)[:16]
}

// upstreamHTTPClient is the default client for talking to providers; each
// call also has a context deadline of upstreamTimeout.
func upstreamHTTPClient() *http.Client { return &http.Client{Timeout: upstreamTimeout} }
