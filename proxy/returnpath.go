package proxy

import (
	"net/url"
	"strings"

	"github.com/scopegate/scopegate/policy"
)

// maxReturnPath bounds the address kept across a sign-in; a longer one
// is cut back to its path.
const maxReturnPath = 2048

// safeReturnPath reports whether p may be where the browser is sent after
// signing in: a path on our own origin, with an optional query, in the
// exact form the gateway would route. Anything a browser could read as
// another origin is refused: "//host" and "/\host" (scheme-relative),
// backslashes anywhere (browsers read them as "/"), absolute URLs, user
// information, control characters and whitespace (CR/LF would split the
// Location header; browsers strip tabs and newlines from URLs), encoded
// slashes, backslashes, control bytes and dot segments, and fragments
// (threat model B.9).
func safeReturnPath(p string) bool {
	if len(p) == 0 || len(p) > maxReturnPath || p[0] != '/' {
		return false
	}
	if len(p) > 1 && (p[1] == '/' || p[1] == '\\') {
		return false
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c <= ' ' || c == 0x7f || c >= 0x80 || c == '\\' || c == '#' {
			return false
		}
	}
	path, query, _ := strings.Cut(p, "?")
	if policy.CheckPath(path) != nil || hasEncodedControl(path) {
		return false
	}
	// Encoded backslashes or slashes in the query are harmless to the
	// browser; only the path decides where it goes. Still, the parse must
	// agree that this is a bare path.
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || u.EscapedPath() != path || u.RawQuery != query {
		return false
	}
	return true
}

// returnPath is where to come back to after signing in for the request
// with this escaped path and raw query: the same place, or its path alone
// when the query is too long or unsafe, or "/" as a last resort.
func returnPath(path, rawQuery string) string {
	if rawQuery != "" {
		if p := path + "?" + rawQuery; safeReturnPath(p) {
			return p
		}
	}
	if safeReturnPath(path) {
		return path
	}
	return "/"
}

// hasEncodedControl reports a percent-encoded control byte (%00-%1F,
// %7F): harmless in a Location header, but never part of a page address
// worth coming back to.
func hasEncodedControl(p string) bool {
	for i := strings.IndexByte(p, '%'); i >= 0 && i+2 < len(p); {
		if h := p[i+1]; h == '0' || h == '1' || h == '7' && (p[i+2] == 'f' || p[i+2] == 'F') {
			return true
		}
		j := strings.IndexByte(p[i+1:], '%')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}
