package config

import (
	"net/mail"
	"net/url"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// The checks below return a problem phrased for a diagnostic, or "" when
// the value is fine. They quote only what the caller passes as shown, so
// an expanded secret never reaches a message.

// upstreamURLProblem checks a backend URL.
func upstreamURLProblem(u *url.URL, raw string) string {
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "must be an absolute http or https URL"
	case u.Host == "" || u.Opaque != "":
		return "must name a host"
	case u.User != nil:
		return "must not contain userinfo"
	case u.RawQuery != "" || u.ForceQuery:
		return "must not have a query"
	case strings.Contains(raw, "#"):
		return "must not have a fragment"
	}
	return ""
}

func isBcrypt(hash string) bool {
	_, err := bcrypt.Cost([]byte(hash))
	return err == nil
}

// plainEmail accepts a bare address (no display name, no angle brackets).
func plainEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s
}

// hexColor accepts "#rgb" and "#rrggbb".
func hexColor(s string) bool {
	if len(s) != 4 && len(s) != 7 || s[0] != '#' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// logoProblem keeps pages free of third-party resources (RFC 9700 §4.2.4):
// a logo is a path on this server or inline data.
func logoProblem(s string) string {
	switch {
	case strings.HasPrefix(strings.ToLower(s), "data:image/"):
		return ""
	case strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") && !strings.HasPrefix(s, `/\`):
		return ""
	}
	return "must be a path on this server (/logo.svg) or a data:image/ URL: pages load no third-party resources"
}
