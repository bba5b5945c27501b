package authserver

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// checkRedirectURI validates a registered redirect URI: absolute, no
// fragment (RFC 6749 §3.1.2), and http only for loopback hosts (RFC 9700
// §2.6, RFC 8252 §7.3). Private-use schemes of native apps are allowed.
func checkRedirectURI(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Opaque == "" && u.Host == "" && u.Path == "" {
		return fmt.Errorf("redirect URI %q is not an absolute URI", raw)
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return fmt.Errorf("redirect URI %q has a fragment", raw)
	}
	if u.User != nil {
		return fmt.Errorf("redirect URI %q has user information", raw)
	}
	switch u.Scheme {
	case "https":
		if u.Host == "" {
			return fmt.Errorf("redirect URI %q has no host", raw)
		}
	case "http":
		if !isLoopbackHost(u.Hostname()) {
			return fmt.Errorf("redirect URI %q uses http for a host that is not loopback", raw)
		}
	case "javascript", "data", "file", "vbscript":
		return fmt.Errorf("redirect URI %q uses a forbidden scheme", raw)
	}
	return nil
}

// isLoopbackHost reports whether host names this machine.
func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// matchRedirectURI returns the redirect URI to use for a request that
// sent requested ("" when omitted). Comparison is exact (RFC 9700
// §4.1.3); the only tolerated difference is the port of a registered
// loopback IP literal, and only when anyPort is set: native apps, which
// are public clients, listen on whatever port is free (RFC 8252 §7.3). An
// omitted redirect_uri is allowed only when exactly one is registered.
func matchRedirectURI(registered []string, requested string, anyPort bool) (string, bool) {
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
