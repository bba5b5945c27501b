package authserver

import (
	"crypto/hmac"

	"go.uber.org/zap"

	"github.com/scopegate/scopegate/store"
)

// A refresh token is bound to the password its user signed in with: once
// the user's password hash changes in the config, the token stops working
// on every instance running the new config, as sessions do (session.go).
// RFC 9700 §4.14.2 lets the server revoke refresh tokens on such security
// events. Access tokens already issued run out within access_token_ttl.
//
// Signing out does not end refresh tokens: an app the user connected keeps
// its access until the user removes it on the account page, and OpenID
// Connect issues them only for offline_access, which asks for exactly that
// (OpenID Connect Core 1.0 §11).
//
// The fingerprint is not keyed with the session secret, so that changing
// that secret signs everybody out without ending every refresh token too.
// It hashes the bcrypt hash, salt included: the store learns nothing that
// would test a password guess.
var refreshCredentialKey = []byte("scopegate refresh token credential v1")

// refreshCredential is the fingerprint a user's refresh tokens carry.
func refreshCredential(name, passwordHash string) []byte {
	return credentialFingerprint(refreshCredentialKey, name, passwordHash)
}

// checkRefreshCredential refuses old if its user's password changed since
// the sign-in it came from, and returns the fingerprint its successor
// carries. Users of an identity provider have none: the provider checks
// their credentials, and removing the provider ends their tokens. A token
// stored before tokens carried one takes the current password's.
func (s *Server) checkRefreshCredential(old store.RefreshToken) ([]byte, error) {
	want, local := s.refreshCredentials[old.Subject]
	if !local {
		return nil, nil
	}
	if old.Credential != nil && !hmac.Equal(old.Credential, want) {
		s.log.Info("refresh token refused: the user's password changed since the sign-in",
			zap.String("sub", old.Subject), zap.String("client_id", old.ClientID))
		return nil, errBadRefresh()
	}
	return want, nil
}
