// Package store owns persistence for the authorization server: signing
// keys, named secrets, authorization codes, consents, revoked tokens and the
// profiles of users signing in through upstream providers.
// It defines the [Store] interface and its value types; backends live in
// subpackages (store/sqlite, store/postgres) and all of them pass
// store/storetest.
//
// The store knows nothing about OAuth flows. Users and clients come from the
// config file, not from here.
package store

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors that callers branch on with errors.Is.
var (
	// ErrNotFound reports that the requested record does not exist (or has
	// expired, for records with an expiry).
	ErrNotFound = errors.New("store: not found")
	// ErrConflict reports a write that lost to an existing record: a
	// duplicate ID, or an authorization code that was already redeemed.
	ErrConflict = errors.New("store: conflict")
)

// SigningKey is a private key used to sign access tokens. Every instance
// sharing a store signs and verifies with the same keys.
type SigningKey struct {
	ID         string // the JWS "kid"
	Algorithm  string // JWS algorithm, e.g. "ES256"
	PrivateKey []byte // PKCS #8 DER
	CreatedAt  time.Time
	// ExpiresAt is when the key stops being published in the JWKS. Keys are
	// used for signing only while they are the newest unexpired key.
	ExpiresAt time.Time
}

// AuthCode is an issued authorization code. The code itself is never stored:
// ID is the hex SHA-256 of the code that was handed to the client.
type AuthCode struct {
	ID                  string
	ClientID            string
	RedirectURI         string
	Subject             string
	Scopes              []string
	CodeChallenge       string // empty when the request carried none
	CodeChallengeMethod string // "S256" or empty
	Nonce               string
	AuthTime            time.Time
	CreatedAt           time.Time
	ExpiresAt           time.Time
	RedeemedAt          time.Time // zero until redeemed
}

// Consent records the scopes a user granted to a client.
type Consent struct {
	Subject   string
	ClientID  string
	Scopes    []string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Revocation records an access token refused before its expiry, such as
// the token issued from an authorization code that was later replayed
// (RFC 9700 §4.2.4).
type Revocation struct {
	TokenID   string // the token's "jti"
	RevokedAt time.Time
	// ExpiresAt is when the token expires anyway; the record is useless
	// from then on and DeleteExpired removes it.
	ExpiresAt time.Time
}

// FederatedUser is the profile of a user who signs in through an upstream
// OpenID provider, as that provider last described it. Local users live in
// the config; these are remembered so that ID tokens and userinfo can
// serve the profile after the sign-in.
type FederatedUser struct {
	Subject       string // the local subject, "<provider id>:<upstream sub>"
	Provider      string // the provider id from the config
	Name          string
	Email         string
	EmailVerified *bool // nil when the provider did not say
	CreatedAt     time.Time
	UpdatedAt     time.Time // the latest sign-in
}

// Store is implemented by every backend. All times are stored and returned
// in UTC. Every method honours ctx.
type Store interface {
	// SigningKeys returns all stored signing keys, newest first.
	SigningKeys(ctx context.Context) ([]SigningKey, error)
	// CreateSigningKey stores a new key; ErrConflict if the ID exists.
	CreateSigningKey(ctx context.Context, k SigningKey) error

	// Secret returns the named secret, creating it with create when it does
	// not exist yet. Concurrent callers (also on other instances) all get the
	// value of the first writer.
	Secret(ctx context.Context, name string, create func() ([]byte, error)) ([]byte, error)

	// CreateAuthCode stores a new code; ErrConflict if the ID exists.
	CreateAuthCode(ctx context.Context, c AuthCode) error
	// RedeemAuthCode marks the code as redeemed with one conditional write
	// and returns it. Exactly one of any number of concurrent callers
	// succeeds. An unknown or expired (at now) code gives ErrNotFound; a code
	// redeemed before gives the stored code together with ErrConflict. A
	// code is expired from its ExpiresAt on. A redeemed code keeps giving
	// ErrConflict after it expired, until DeleteExpired removes it, so a late
	// replay can still be recognised as one.
	RedeemAuthCode(ctx context.Context, id string, now time.Time) (AuthCode, error)

	// Consent returns the consent of subject for clientID, or ErrNotFound.
	Consent(ctx context.Context, subject, clientID string) (Consent, error)
	// SaveConsent creates or replaces the consent for (Subject, ClientID).
	// Replacing keeps the stored CreatedAt (when the user first consented)
	// and takes Scopes and UpdatedAt from c.
	SaveConsent(ctx context.Context, c Consent) error
	// Consents lists the consents of subject, ordered by client ID.
	Consents(ctx context.Context, subject string) ([]Consent, error)
	// DeleteConsent removes a consent; ErrNotFound if there was none.
	DeleteConsent(ctx context.Context, subject, clientID string) error

	// SaveFederatedUser creates or replaces the profile of u.Subject. Replacing
	// keeps the stored CreatedAt and takes everything else from u.
	SaveFederatedUser(ctx context.Context, u FederatedUser) error
	// FederatedUser returns the profile of subject, or ErrNotFound.
	FederatedUser(ctx context.Context, subject string) (FederatedUser, error)

	// RevokeToken records r. Revoking a token again keeps the first record
	// and is not an error.
	RevokeToken(ctx context.Context, r Revocation) error
	// Revocations lists the revocations recorded at or after since
	// (RevokedAt) that have not expired at now (ExpiresAt after now),
	// ordered by token ID byte by byte. A zero since lists all in force.
	Revocations(ctx context.Context, since, now time.Time) ([]Revocation, error)

	// DeleteExpired removes codes and revocations that expired before now
	// (ExpiresAt at or before now; codes redeemed or not) and returns how
	// many it removed.
	DeleteExpired(ctx context.Context, now time.Time) (int64, error)

	// Close releases the backend's resources.
	Close() error
}
