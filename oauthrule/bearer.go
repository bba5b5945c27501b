package oauthrule

import "strings"

// BearerToken parses the value of an Authorization header with the
// Bearer scheme (RFC 6750 §2.1): credentials = "Bearer" 1*SP b64token.
// bearer reports whether the scheme is Bearer, compared without regard to
// case (RFC 9110 §11.1); when it is, token is the b64token, or "" when
// what follows the scheme is not exactly one b64token. It does not
// allocate.
func BearerToken(value string) (token string, bearer bool) {
	scheme, rest, _ := strings.Cut(value, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok := strings.TrimLeft(rest, " ")
	if !ValidB64Token(tok) {
		return "", true
	}
	return tok, true
}

// b64tokenBad is 1 for each byte not allowed in a b64token before its "="
// padding. A fixed table: the check runs over every token on every request.
var b64tokenBad = func() (t [256]byte) {
	for i := range t {
		t[i] = 1
	}
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/") {
		t[c] = 0
	}
	return t
}()

// ValidB64Token reports whether s matches RFC 6750 §2.1's
// b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func ValidB64Token(s string) bool {
	n := len(s)
	for n > 0 && s[n-1] == '=' {
		n--
	}
	if n == 0 {
		return false
	}
	// Eight bytes a step, OR-ing their table entries without a branch per
	// byte: a JWT is hundreds of bytes, and a bad byte is rare enough that
	// stopping at the first one gains nothing.
	s = s[:n]
	var bad byte
	for len(s) >= 8 {
		t := &b64tokenBad
		bad |= t[s[0]] | t[s[1]] | t[s[2]] | t[s[3]] | t[s[4]] | t[s[5]] | t[s[6]] | t[s[7]]
		s = s[8:]
	}
	for i := 0; i < len(s); i++ {
		bad |= b64tokenBad[s[i]]
	}
	return bad == 0
}
