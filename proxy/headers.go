package proxy

import (
	"net/http"
	"net/url"
	"strings"
)

// Identity headers the gateway sets for the backend. Callers' copies, and
// any header that folds to the same name, are removed first.
const (
	headerSubject  = "X-Auth-Subject"
	headerClientID = "X-Auth-Client-Id"
	headerScope    = "X-Auth-Scope"
)

// identityFolded are the identity header names folded by foldName.
var identityFolded = [...]string{"xauthsubject", "xauthclientid", "xauthscope"}

// isIdentityAlias reports whether name, ignoring case and the separators
// '-', '_' and '.', equals an identity header name. Some backends (CGI,
// PHP, nginx with underscores_in_headers) fold X_Auth_Subject or
// X.Auth.Subject into X-Auth-Subject, so all of them are the same header
// to us (SECURITY.md B.3). It does not allocate.
func isIdentityAlias(name string) bool {
	for _, want := range identityFolded {
		if foldEqual(name, want) {
			return true
		}
	}
	return false
}

// foldEqual compares name with the lower-case, separator-free want.
func foldEqual(name, want string) bool {
	j := 0
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '-' || c == '_' || c == '.':
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		if j >= len(want) || c != want[j] {
			return false
		}
		j++
	}
	return j == len(want)
}

// stripIdentity removes every identity header and alias from h.
func stripIdentity(h http.Header) {
	for k := range h {
		if isIdentityAlias(k) {
			delete(h, k)
		}
	}
}

// cleanConnection removes Connection and every header it lists, before
// anything reads the request headers (SECURITY.md B.5): otherwise a caller
// could list X-Auth-Subject or Authorization there and have the proxy
// delete a header after we judged or set it. A requested protocol upgrade
// is kept as "Connection: Upgrade" so that ReverseProxy still forwards it.
func cleanConnection(h http.Header) {
	conn, ok := h["Connection"]
	if !ok {
		return
	}
	upgrade := false
	for _, v := range conn {
		for v != "" {
			var name string
			name, v, _ = strings.Cut(v, ",")
			name = strings.TrimSpace(name)
			switch {
			case name == "":
			case strings.EqualFold(name, "upgrade"):
				upgrade = true
			default:
				h.Del(name)
			}
		}
	}
	delete(h, "Connection")
	if upgrade && h.Get("Upgrade") != "" {
		h["Connection"] = []string{"Upgrade"}
	} else {
		delete(h, "Upgrade")
	}
}

// Outcomes of bearerToken.
const (
	bearerOK        = iota
	bearerMissing   // no Authorization header, or another scheme
	bearerMalformed // "Bearer" with an empty or ill-formed token
)

// bearerToken extracts the token of "Authorization: Bearer <token>"
// (RFC 6750 §2.1). The scheme is case-insensitive; the token must be a
// b64token. A different scheme counts as no bearer token at all.
func bearerToken(h http.Header) (string, int) {
	v := h["Authorization"]
	if len(v) == 0 {
		return "", bearerMissing
	}
	scheme, rest, _ := strings.Cut(v[0], " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", bearerMissing
	}
	tok := strings.TrimLeft(rest, " ")
	if !isB64Token(tok) {
		return "", bearerMalformed
	}
	return tok, bearerOK
}

// b64tokenChars marks the bytes allowed in a b64token before its "="
// padding. A fixed table: the check runs over every token on every request.
var b64tokenChars = func() (t [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/") {
		t[c] = true
	}
	return t
}()

// isB64Token reports whether s matches RFC 6750's
// b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func isB64Token(s string) bool {
	n := len(s)
	for n > 0 && s[n-1] == '=' {
		n--
	}
	if n == 0 {
		return false
	}
	for i := 0; i < n; i++ {
		if !b64tokenChars[s[i]] {
			return false
		}
	}
	return true
}

// queryHasAccessToken reports whether the raw query carries an
// access_token parameter, in any encoding of its name. Tokens in URLs
// leak into logs and Referer headers, so they are refused (RFC 9700
// §4.3.2); the scan does not allocate unless a name is percent-encoded.
func queryHasAccessToken(raw string) bool {
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		name, _, _ := strings.Cut(pair, "=")
		if strings.ContainsAny(name, "%+") {
			if u, err := url.QueryUnescape(name); err == nil {
				name = u
			}
		}
		if name == "access_token" {
			return true
		}
	}
	return false
}
