package oauthrule

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CheckIdentifier reports what is wrong with a configured username or
// client_id, or nil; the error text completes "username X must ...".
// Identifiers end up in a token's "sub", in logs and in headers sent to
// backends, so they are non-empty UTF-8 without control characters (a CR
// or LF could split a log line or a header) and without white space at
// either end, which would make "alice " a second account beside "alice".
func CheckIdentifier(s string) error {
	switch {
	case strings.TrimSpace(s) == "":
		return errors.New("must not be empty")
	case !utf8.ValidString(s):
		return errors.New("must be valid UTF-8")
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return errors.New("must not contain control characters such as line breaks or tabs")
	case strings.TrimSpace(s) != s:
		return errors.New("must not start or end with white space")
	}
	return nil
}

// CanonicalUsername is the form a username is looked up, rate limited and
// compared for uniqueness under: white space at either end trimmed (what
// a user types into a login form) and lower case, so "Alice " and "alice"
// are one account. A client_id equal to a username in this form is
// refused, since both become a token's "sub" (RFC 9700 §4.15.1).
func CanonicalUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
