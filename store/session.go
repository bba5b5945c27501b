package store

import (
	"context"
	"time"
)

// LoginSession is a browser signed in at the authorization server. The
// cookie carries a random session ID; the record lives here, so that
// signing out ends the session on the server and a copied cookie stops
// working (RFC 9700 §4.14.2 lists logout among the security events that
// should end what a session issued; OpenID Connect RP-Initiated Logout
// 1.0 §2 asks the OP to log the End-User out).
type LoginSession struct {
	// ID is the hex SHA-256 of the ID in the cookie: the store never
	// holds a value a browser could present.
	ID       string
	Subject  string
	AuthTime time.Time // when the user signed in
	// CreatedAt and ExpiresAt bound the session; from ExpiresAt on it is
	// unknown to LoginSession and DeleteExpired removes it.
	CreatedAt time.Time
	ExpiresAt time.Time
}

// LoginSessions stores the authorization server's login sessions.
type LoginSessions interface {
	// CreateLoginSession stores a new session; ErrConflict if the ID exists.
	CreateLoginSession(ctx context.Context, s LoginSession) error
	// LoginSession returns the session with the given ID, or ErrNotFound
	// when it is unknown, deleted or expired at now.
	LoginSession(ctx context.Context, id string, now time.Time) (LoginSession, error)
	// DeleteLoginSession ends the session; an unknown ID is not an error.
	DeleteLoginSession(ctx context.Context, id string) error
}
