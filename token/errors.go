package token

import "errors"

// Sentinels for the ways a token can be refused. Every error returned by
// [Verifier.Verify] is an [*Error] that matches exactly one of them with
// [errors.Is]. The gateway answers all of them with 401 invalid_token,
// except that it may choose 503 for ErrKeysUnavailable.
var (
	ErrMalformed       = errors.New("token: malformed")
	ErrAlgorithm       = errors.New("token: signing algorithm not allowed")
	ErrType            = errors.New("token: not an access token")
	ErrIssuer          = errors.New("token: untrusted issuer")
	ErrAudience        = errors.New("token: wrong audience")
	ErrExpired         = errors.New("token: expired")
	ErrNotYetValid     = errors.New("token: not valid yet")
	ErrSignature       = errors.New("token: invalid signature")
	ErrRevoked         = errors.New("token: revoked")
	ErrKeysUnavailable = errors.New("token: issuer keys unavailable")
)

// Error is a refused token. Its Reason is a short fixed sentence that never
// contains the token or any part of it, so it is safe to send to the client
// as an RFC 6750 error_description; Error() returns exactly the Reason.
type Error struct {
	// Kind is one of the Err* sentinels of this package.
	Kind error
	// Reason is the client-safe description.
	Reason string
	// Err is the underlying cause, for logs; it may be nil. It never holds
	// the token, but it may name the issuer URL.
	Err error
}

func (e *Error) Error() string { return e.Reason }

// Unwrap lets errors.Is match both the Kind sentinel and the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

func refuse(kind error, reason string) *Error { return &Error{Kind: kind, Reason: reason} }

func refuseCause(kind error, reason string, cause error) *Error {
	return &Error{Kind: kind, Reason: reason, Err: cause}
}
