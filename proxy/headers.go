package proxy

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/scopegate/scopegate/oauthrule"
)

// Identity headers the gateway sets for the backend. Callers' copies, and
// any header that folds to the same name, are removed first.
const (
	headerSubject  = "X-Auth-Subject"
	headerClientID = "X-Auth-Client-Id"
	headerScope    = "X-Auth-Scope"
)

// Classes of inbound header the gateway removes before routing.
const (
	headerKeep      = iota
	headerIdentity  // X-Auth-*: always removed (B.3)
	headerForwarded // forwarding and client-address headers (B.4)
	headerOverride  // headers that make a backend re-route or change the method
)

// foldedMax bounds the folded header names classifyHeader compares; a
// longer name is no identity or override header, and is a forwarding
// header only by its "xforwarded" prefix.
const foldedMax = 32

// classifyHeader folds name the way permissive backends do (ignoring
// case and the separators '-', '_' and '.': CGI, PHP and nginx with
// underscores_in_headers turn X_Auth_Subject or X.Auth.Subject into
// X-Auth-Subject) and says which class it belongs to. It does not
// allocate.
func classifyHeader(name string) int {
	var buf [foldedMax]byte
	n := 0
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '-' || c == '_' || c == '.':
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		if n == len(buf) {
			if string(buf[:10]) == "xforwarded" {
				return headerForwarded
			}
			return headerKeep
		}
		buf[n] = c
		n++
	}
	f := buf[:n]
	if len(f) >= 10 && string(f[:10]) == "xforwarded" {
		return headerForwarded // -For, -Host, -Proto, -Port, -Prefix, -Ssl, -Scheme, ...
	}
	switch string(f) {
	case "xauthsubject", "xauthclientid", "xauthscope":
		return headerIdentity
	case "forwarded", "xrealip", "xclientip", "trueclientip", "xhost", "xoriginalhost",
		"frontendhttps", "xurlscheme", "xoriginalforwardedfor", "xclusterclientip":
		return headerForwarded
	case "xoriginalurl", "xrewriteurl", "xoriginaluri", "xhttpmethodoverride", "xhttpmethod", "xmethodoverride":
		// Symfony, Zend, IIS and method-override middleware would route
		// the request by these instead of the path and method we judged.
		return headerOverride
	}
	return headerKeep
}

// isIdentityAlias reports whether name folds to an identity header name.
func isIdentityAlias(name string) bool { return classifyHeader(name) == headerIdentity }

// scrubHeaders removes, on every route, the identity headers and the
// override headers, in any spelling. Forwarding headers go too, except,
// from a trusted proxy, those spelled canonically (Go has already
// canonicalized "x-forwarded-for"; a '_' or '.' survives canonicalization
// and marks an alias that only a permissive backend would merge); the
// reverse proxy then extends or rebuilds them.
func scrubHeaders(h http.Header, trusted bool) {
	for k := range h {
		switch classifyHeader(k) {
		case headerKeep:
		case headerForwarded:
			if !trusted || strings.ContainsAny(k, "_.") {
				delete(h, k)
			}
		default:
			delete(h, k)
		}
	}
}

// cleanConnection removes Connection and every header it lists, before
// anything reads the request headers (threat model B.5): otherwise a caller
// could list X-Auth-Subject or Authorization there and have the proxy
// delete a header after we judged or set it. A requested protocol upgrade
// is kept as "Connection: Upgrade" so that ReverseProxy still forwards it,
// but only to WebSocket: any other protocol, h2c above all, would turn the
// connection into a tunnel to the backend in which later requests are
// never judged ("h2c smuggling"), so that upgrade is dropped and the
// request served as plain HTTP/1.1, as RFC 9110 §7.8 allows.
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
	if up := h["Upgrade"]; upgrade && len(up) == 1 && strings.EqualFold(strings.TrimSpace(up[0]), "websocket") {
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
// (RFC 6750 §2.1). A different scheme counts as no bearer token at all.
func bearerToken(h http.Header) (string, int) {
	v := h["Authorization"]
	if len(v) == 0 {
		return "", bearerMissing
	}
	switch tok, bearer := oauthrule.BearerToken(v[0]); {
	case !bearer:
		return "", bearerMissing
	case tok == "":
		return "", bearerMalformed
	default:
		return tok, bearerOK
	}
}

// queryHasAccessToken reports whether the raw query carries an
// access_token parameter, in any encoding of its name, with "&" or ";"
// (which many backends still accept) between parameters. Tokens in URLs
// leak into logs and Referer headers, so they are refused (RFC 9700
// §4.3.2); the scan does not allocate unless a name is percent-encoded.
func queryHasAccessToken(raw string) bool {
	for raw != "" {
		var pair string
		if i := strings.IndexAny(raw, "&;"); i >= 0 {
			pair, raw = raw[:i], raw[i+1:]
		} else {
			pair, raw = raw, ""
		}
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

// validHost reports whether host, the request's Host, is one the policy
// can judge exactly as every later hop reads it: a name of non-empty
// labels of letters, digits, '-' and '_' with at most one trailing dot,
// or a bracketed IPv6 literal, then optionally ':' and digits. Anything
// else (an empty host, "a..b", "%2e", a comma that X-Forwarded-Host
// parsers split on, a zone) is refused (threat model B.2). It does not
// allocate.
func validHost(host string) bool {
	name := host
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.HasSuffix(host, "]") {
		name = host[:i]
		for j := i + 1; j < len(host); j++ {
			if host[j] < '0' || host[j] > '9' {
				return false
			}
		}
	}
	if name == "" {
		return false
	}
	if name[0] == '[' {
		if len(name) < 4 || name[len(name)-1] != ']' {
			return false
		}
		for i := 1; i < len(name)-1; i++ {
			if c := name[i]; !(isHexDigit(c) || c == ':' || c == '.') {
				return false
			}
		}
		return true
	}
	name = strings.TrimSuffix(name, ".")
	label := 0 // length of the current label
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c == '.':
			if label == 0 {
				return false
			}
			label = 0
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
			label++
		default:
			return false
		}
	}
	return label > 0
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
