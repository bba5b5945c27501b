package oauthrule

import (
	"errors"
	"net/netip"
	"net/url"
	"strings"
)

// IsLoopbackHost reports whether host (a URL's Hostname: no port, no
// brackets) names this machine: "localhost" in any case (host names are
// case-insensitive, RFC 3986 §3.2.2) or a loopback IP address, where plain
// http never leaves the machine (RFC 8252 §7.3, RFC 9700 §2.6). A zoned
// IPv6 address is not loopback.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Zone() == "" && ip.IsLoopback()
}

// CheckIssuer reports what is wrong with an issuer URL, or nil. The error
// text completes a sentence that names the value ("issuer X must ...").
//
// Every issuer is an absolute https URL (http only for a loopback host)
// without userinfo, query or fragment (RFC 8414 §2). When own is true the
// issuer is scopegate's own: it must also have no path, not even "/",
// since the endpoints are served at the root of that origin and "iss"
// must equal the configured string exactly (RFC 9207 §2.4). Other
// servers' issuers may have a path and are compared as they publish them.
func CheckIssuer(raw string, own bool) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs() || u.Opaque != "" || u.Hostname() == "":
		return errors.New("must be an absolute URL such as https://login.example.com")
	case u.Scheme != "https" && !(u.Scheme == "http" && IsLoopbackHost(u.Hostname())):
		return errors.New("must use https (http only for localhost, 127.0.0.1 or [::1])")
	case u.User != nil:
		return errors.New("must not contain userinfo")
	case u.RawQuery != "" || u.ForceQuery:
		return errors.New("must not have a query")
	case strings.Contains(raw, "#"):
		return errors.New("must not have a fragment")
	case own && (u.Path != "" || u.RawPath != ""):
		return errors.New("must have no path, not even a trailing slash: the endpoints are served at the root")
	}
	return nil
}

// CheckRedirectURI reports what is wrong with a redirect URI a client
// registers, or nil; the error text completes "redirect URI X must ...".
// A redirect URI is absolute without fragment (RFC 6749 §3.1.2) or
// userinfo, and is https with a host, http on a loopback host for native
// apps (RFC 8252 §7.3), or a private-use scheme in reverse domain form
// such as com.example.app (RFC 8252 §7.1). Any other scheme, javascript:
// and data: included, is refused (RFC 9700 §2.6).
func CheckRedirectURI(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs():
		return errors.New("must be an absolute URI")
	case strings.Contains(raw, "#"):
		return errors.New("must not contain a fragment")
	case u.User != nil:
		return errors.New("must not contain userinfo")
	case u.Scheme == "https":
		if u.Hostname() == "" {
			return errors.New("must name a host")
		}
	case u.Scheme == "http":
		if !IsLoopbackHost(u.Hostname()) {
			return errors.New("may use http only with host localhost, 127.0.0.1 or [::1]; use https")
		}
	case !strings.Contains(u.Scheme, "."):
		return errors.New("must use https, loopback http, or a private-use scheme with a dot such as com.example.app:/callback")
	}
	return nil
}

// MatchRedirectURI returns the redirect URI to use for an authorization
// request that sent requested ("" when omitted), given the client's
// registered ones. Comparison is exact, character for character (RFC 9700
// §4.1.3, RFC 3986 §6.2.1); the only tolerated difference is the port of a
// registered http://127.0.0.1 or http://[::1] URI, and only when anyPort
// is set: native apps, which are public clients, listen on whatever port
// is free (RFC 8252 §7.3). An omitted redirect_uri is allowed only when
// exactly one is registered (RFC 6749 §3.1.2.3).
func MatchRedirectURI(registered []string, requested string, anyPort bool) (string, bool) {
	if requested == "" {
		if len(registered) == 1 {
			return registered[0], true
		}
		return "", false
	}
	for _, r := range registered {
		if r == requested || anyPort && loopbackPortVariant(r, requested) {
			return requested, true
		}
	}
	return "", false
}

// loopbackPortVariant reports whether requested equals the registered
// http://127.0.0.1 or http://[::1] URI in everything but the port.
func loopbackPortVariant(registered, requested string) bool {
	for _, prefix := range []string{"http://127.0.0.1", "http://[::1]"} {
		if !strings.HasPrefix(registered, prefix) || !strings.HasPrefix(requested, prefix) {
			continue
		}
		regRest, ok1 := stripPort(registered[len(prefix):])
		reqRest, ok2 := stripPort(requested[len(prefix):])
		return ok1 && ok2 && regRest == reqRest
	}
	return false
}

// stripPort removes a leading ":digits" and returns the remainder, which
// must be empty or start with "/" or "?".
func stripPort(s string) (string, bool) {
	if strings.HasPrefix(s, ":") {
		i := 1
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 1 || i > 6 {
			return "", false
		}
		s = s[i:]
	}
	if s != "" && s[0] != '/' && s[0] != '?' {
		return "", false
	}
	return s, true
}
