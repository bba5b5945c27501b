// Package store owns persistence for the authorization server: signing
// keys, named secrets, authorization codes, grants (the remembered
// consents), revocations and the profiles of users signing in through
// upstream providers.
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
	// ErrUnavailable reports that the backend could not do what was asked:
	// the database is down or unreachable, a connection broke, a deadline
	// passed. Nothing was decided, so the caller may retry; an HTTP
	// server answers 503 (RFC 9110 §15.6.4) rather than 500.
	ErrUnavailable = errors.New("store: unavailable")
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
	// Replaces names what this key succeeds, for its Algorithm: the ID of
	// the key it rotates out, or any agreed name for the first key. Of
	// several keys created to replace the same one, only the first is
	// stored, so that instances racing to rotate create one key between
	// them. Empty means no such claim, and is not stored as one.
	Replaces string
}

// AttemptReservation is a counted attempt, as ReserveAttempt returns it.
type AttemptReservation struct {
	// Count is the number of attempts in the window, this one included.
	Count int
	// WindowStart identifies the window the attempt was counted in;
	// RefundAttempt takes it back only from that window.
	WindowStart time.Time
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
	// GrantID is the grant the code was issued from; every token issued
	// from the code carries it, so that revoking the grant reaches them.
	GrantID string
	// AuthorizationDetails is the RFC 9396 JSON array the user approved,
	// carried to the token response; nil when the code is not narrowed.
	AuthorizationDetails []byte
	// Credential fingerprints the credential the user signed in with,
	// carried to the refresh tokens issued from the code; nil when they
	// are not bound to one. The store keeps it as it is given.
	Credential []byte
}

// Grant is what a user allowed a client: the unit that codes, access
// tokens and refresh tokens are issued from and that revocation acts on.
// A subject has at most one live grant per client, and that grant is the
// remembered consent. Its ID is random and stable while the grant lives;
// a grant that is revoked and given again gets a new ID, so nothing issued
// from the old one comes back to life.
type Grant struct {
	ID       string
	Subject  string
	ClientID string
	Scopes   []string
	// AuthorizationDetails is the RFC 9396 JSON array of the items the
	// user picked; nil when the grant is not narrowed to picked items.
	AuthorizationDetails []byte
	CreatedAt            time.Time // when the user first gave this grant
	UpdatedAt            time.Time // when its scopes or items last changed
	LastUsedAt           time.Time // zero until a token is issued from it
	RevokedAt            time.Time // zero while the grant is live
}

// Live reports whether the grant has not been revoked.
func (g Grant) Live() bool { return g.RevokedAt.IsZero() }

// GrantTouchInterval is the resolution of Grant.LastUsedAt: TouchGrant
// writes only when the stored time is older than this, so that frequent
// use costs few writes.
const GrantTouchInterval = time.Minute

// RefreshToken is an issued refresh token (RFC 6749 §1.5). The token
// itself is never stored: ID is the hex SHA-256 of what the client holds.
// Tokens are rotated on every use (RFC 9700 §4.14.2): using one records
// RotatedAt and stores its successor, and a rotated token presented again
// is a reuse.
type RefreshToken struct {
	ID       string
	GrantID  string // the grant it was issued from; it works only while that grant is live
	ClientID string // the client it was issued to, the only one that may use it
	Subject  string
	// Scopes are what the token may ask for; a refresh may ask for fewer.
	Scopes []string
	// AuthorizationDetails is the RFC 9396 JSON array carried from the
	// code; nil when not narrowed.
	AuthorizationDetails []byte
	AuthTime             time.Time // when the user signed in for the original code
	CreatedAt            time.Time
	// ExpiresAt is when this token stops working unused (the idle
	// lifetime), never after FamilyExpiresAt.
	ExpiresAt time.Time
	// FamilyExpiresAt is when the chain of rotations that began with the
	// code ends, however often it is used (the absolute lifetime).
	FamilyExpiresAt time.Time
	// Credential is the code's, carried from token to token: the caller
	// refuses a token whose user has changed that credential since
	// (RFC 9700 §4.14.2). nil when not bound.
	Credential []byte
	RotatedAt  time.Time // zero until used
}

// Revocation records an access token refused before its expiry, such as
// the token issued from an authorization code that was later replayed
// (RFC 9700 §4.2.4), or a whole grant whose every token is refused.
// Exactly one of TokenID and GrantID is set.
type Revocation struct {
	TokenID   string // the token's "jti"
	GrantID   string // the grant's ID, the "gid" of its access tokens
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

// RevocationWatcher is implemented by stores that can say when a
// revocation was recorded, so that instances sharing the store learn it
// at once rather than at their next poll. Both backends implement it:
// SQLite for writers in the same process, PostgreSQL also for other
// instances (LISTEN/NOTIFY). Polling Revocations stays the fallback for
// anything a watcher misses.
type RevocationWatcher interface {
	// WatchRevocations calls changed soon after RevokeToken succeeded on
	// any store it can hear of, and after each reconnection to what tells
	// it (something may have been missed meanwhile), until ctx is done. It
	// blocks until then. Calls never overlap and may be spurious; changed
	// should read Revocations.
	WatchRevocations(ctx context.Context, changed func())
}

// Store is implemented by every backend. All times are stored and returned
// in UTC. Every method honours ctx.
type Store interface {
	LoginSessions

	// SigningKeys returns all stored signing keys, newest first.
	SigningKeys(ctx context.Context) ([]SigningKey, error)
	// CreateSigningKey stores a new key; ErrConflict if the ID exists, or
	// if a key of the same Algorithm already replaces k.Replaces (when
	// that is not empty).
	CreateSigningKey(ctx context.Context, k SigningKey) error

	// ReserveAttempt counts one attempt of key (a login or client-secret
	// guess) at now, with one conditional write shared by every instance,
	// unless limit attempts were already counted in key's current window.
	// A window starts at the first attempt after the previous one ended
	// and lasts window. ok is false, and nothing is counted, when the
	// limit was reached.
	ReserveAttempt(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (r AttemptReservation, ok bool, err error)
	// RefundAttempt takes back one attempt of key counted in the window
	// that started at windowStart, and returns how many remain in it; a
	// window that has ended or been reset is left alone (0, nil). A window
	// whose count drops to zero is removed.
	RefundAttempt(ctx context.Context, key string, windowStart time.Time) (int, error)
	// ResetAttempts forgets every attempt of key.
	ResetAttempts(ctx context.Context, key string) error

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

	// LiveGrant returns the live grant of subject to clientID (the
	// remembered consent), or ErrNotFound.
	LiveGrant(ctx context.Context, subject, clientID string) (Grant, error)
	// Grant returns the grant with the given ID, live or revoked, or
	// ErrNotFound once a newer grant for the same pair replaced it.
	Grant(ctx context.Context, id string) (Grant, error)
	// Grants lists the live grants of subject, ordered by client ID byte
	// by byte.
	Grants(ctx context.Context, subject string) ([]Grant, error)
	// SaveGrant stores g as the live grant of (g.Subject, g.ClientID), all
	// fields as given. read is the live grant as the caller read it (and
	// means to supersede, or to update in place when g.ID is read.ID), or
	// nil when the caller found none. The write is a compare-and-swap: if
	// the stored live grant is no longer read (LastUsedAt aside), because
	// another writer got there first, nothing changes and the error is
	// ErrConflict; read again and retry. ErrConflict also answers an ID
	// that another pair's grant holds. A revoked grant is replaced only by
	// a grant with a new ID. Replacing a grant by another ID does not
	// revoke what was issued from it: call RevokeGrant first when that must
	// stop working.
	SaveGrant(ctx context.Context, g Grant, read *Grant) error
	// RevokeGrant marks the grant revoked at at with one conditional
	// write and reports whether it was live; an unknown ID is not an
	// error. The access tokens of the grant are the caller's to refuse
	// (RevokeToken with a GrantID).
	RevokeGrant(ctx context.Context, id string, at time.Time) (bool, error)
	// TouchGrant records at as the grant's LastUsedAt when the stored one
	// is at least GrantTouchInterval older than at. An unknown ID is not
	// an error.
	TouchGrant(ctx context.Context, id string, at time.Time) error

	// CreateRefreshToken stores a new refresh token; ErrConflict if the ID
	// exists.
	CreateRefreshToken(ctx context.Context, t RefreshToken) error
	// RefreshToken returns the refresh token with the given ID, rotated or
	// not, expired or not, or ErrNotFound.
	RefreshToken(ctx context.Context, id string) (RefreshToken, error)
	// RotateRefreshToken uses the refresh token oldID at now. In one
	// transaction it marks the token rotated, passes it (as it was) to
	// successor and stores the token successor returns: either all of it
	// happens or none of it does. One conditional write decides, so that
	// exactly one of any number of concurrent callers (also on other
	// instances) gets as far as successor. The token must be unrotated,
	// unexpired at now and its grant live; otherwise successor is not
	// called, nothing changes and the error is ErrConflict when it was
	// rotated before (a reuse or a lost race: the stored token is returned,
	// so that the caller can tell whose it is) and ErrNotFound when it is
	// unknown, expired or its grant is not live. An error from successor
	// undoes the rotation and is returned as is, with the token.
	//
	// The read and the write are one call because a refresh grant is
	// mostly store round trips. successor runs while the transaction holds
	// the write lock: it must be quick and must not call the store. It may
	// run on another goroutine, and the transaction may hold other
	// callers' rotations too (a group commit); a panic in successor is
	// the caller's panic.
	RotateRefreshToken(ctx context.Context, oldID string, now time.Time,
		successor func(old RefreshToken) (RefreshToken, error)) (RefreshToken, error)

	// SaveFederatedUser creates or replaces the profile of u.Subject. Replacing
	// keeps the stored CreatedAt and takes everything else from u.
	SaveFederatedUser(ctx context.Context, u FederatedUser) error
	// FederatedUser returns the profile of subject, or ErrNotFound.
	FederatedUser(ctx context.Context, subject string) (FederatedUser, error)

	// RevokeToken records r, a token's or a grant's revocation. Revoking
	// again keeps the first record and is not an error.
	RevokeToken(ctx context.Context, r Revocation) error
	// Revocations lists the revocations recorded at or after since
	// (RevokedAt) that have not expired at now (ExpiresAt after now):
	// tokens first, then grants, each ordered by ID byte by byte. A zero
	// since lists all in force.
	Revocations(ctx context.Context, since, now time.Time) ([]Revocation, error)

	// DeleteExpired removes codes, refresh tokens, revocations and login
	// sessions that expired before now (ExpiresAt at or before now; codes
	// redeemed or not, refresh tokens rotated or not) and returns how many
	// it removed.
	DeleteExpired(ctx context.Context, now time.Time) (int64, error)

	// Heartbeat records at as the last beat of instance with one write,
	// creating or replacing its row. Readiness checks call it: a store
	// that still answers reads but can no longer write (a deleted SQLite
	// file, a read-only database) fails it.
	Heartbeat(ctx context.Context, instance string, at time.Time) error

	// Close releases the backend's resources.
	Close() error
}
