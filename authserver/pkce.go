package authserver

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// checkChallenge applies RFC 7636 as tightened by RFC 9700 §2.1.1: only
// S256, the method must be named, and public clients must use it.
func checkChallenge(c *client, challenge, method string, methodGiven bool) *Error {
	switch {
	case challenge == "" && methodGiven:
		return oauthErr(codeInvalidRequest, "code_challenge_method without code_challenge")
	case challenge == "" && c.public:
		return oauthErr(codeInvalidRequest, "public clients must send a PKCE code_challenge (S256)")
	case challenge == "":
		return nil
	case method != "S256":
		// Covers "plain" and an omitted method, which means plain.
		return oauthErr(codeInvalidRequest, "code_challenge_method must be S256")
	case len(challenge) != 43 || !unreserved(challenge):
		// A base64url SHA-256 is always 43 characters.
		return oauthErr(codeInvalidRequest, "code_challenge is malformed")
	}
	return nil
}

// verifyPKCE checks a token request's code_verifier against the code's
// challenge (RFC 7636 §4.6).
func verifyPKCE(challenge, verifier string) *Error {
	switch {
	case challenge == "" && verifier != "":
		// A verifier for a code issued without a challenge: PKCE downgrade
		// (RFC 9700 §4.8.2).
		return oauthErr(codeInvalidGrant, "code_verifier sent but the authorization request had no code_challenge")
	case challenge == "":
		return nil
	case verifier == "":
		return oauthErr(codeInvalidGrant, "code_verifier is required")
	case len(verifier) < 43 || len(verifier) > 128 || !unreserved(verifier):
		return oauthErr(codeInvalidGrant, "code_verifier is malformed")
	}
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	if subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) != 1 {
		return oauthErr(codeInvalidGrant, "code_verifier does not match the code_challenge")
	}
	return nil
}

// unreserved reports whether s has only RFC 3986 unreserved characters.
func unreserved(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~'
		if !ok {
			return false
		}
	}
	return true
}
