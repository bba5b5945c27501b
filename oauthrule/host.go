package oauthrule

import (
	"errors"
	"net/netip"
	"strings"
)

// CanonicalHost returns the host of a Host header value or URL authority
// (RFC 9110 §7.2) in the form hosts are compared in: without the port,
// without a trailing dot, lower-case (host names are case-insensitive,
// RFC 3986 §3.2.2) and an IPv6 literal without its brackets. ok is false
// for an empty or malformed value, which no allow-list may match.
func CanonicalHost(hostport string) (host string, ok bool) {
	h := hostport
	if strings.HasPrefix(h, "[") {
		end := strings.IndexByte(h, ']')
		if end < 0 || (end+1 < len(h) && h[end+1] != ':') {
			return "", false
		}
		ip, err := netip.ParseAddr(h[1:end])
		if err != nil || !ip.Is6() || ip.Zone() != "" {
			return "", false
		}
		return ip.String(), validPort(h[end+1:])
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 {
		if !validPort(h[i:]) {
			return "", false
		}
		h = h[:i]
	}
	h = strings.ToLower(strings.TrimSuffix(h, "."))
	if CheckHostName(h) != nil {
		return "", false
	}
	return h, true
}

// validPort accepts "" or ":" followed by at most five digits.
func validPort(p string) bool {
	if p == "" {
		return true
	}
	if p[0] != ':' || len(p) > 6 {
		return false
	}
	for i := 1; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
	}
	return true
}

// CheckHostName reports what is wrong with a host name as an allow-list
// holds it: a DNS name of letters, digits, '-', '_' and '.' (RFC 1123
// §2.1; '_' appears in real internal names), or an IP address, without a
// port, brackets or trailing dot. The error text completes a sentence
// naming the value.
func CheckHostName(name string) error {
	if name == "" {
		return errors.New("is empty")
	}
	if ip, err := netip.ParseAddr(name); err == nil {
		if ip.Zone() != "" {
			return errors.New("has an IPv6 zone, which a Host header cannot carry")
		}
		return nil
	}
	if strings.ContainsAny(name, ":[]") {
		return errors.New("has a port or brackets: list the host name or IP address alone; ports are not compared")
	}
	if strings.HasSuffix(name, ".") || strings.HasPrefix(name, ".") || strings.Contains(name, "..") {
		return errors.New("has an empty label (a leading, doubled or trailing dot)")
	}
	if len(name) > 253 {
		return errors.New("is longer than 253 characters")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '-' || c == '.' || c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return errors.New("is not a host name: only letters, digits, '-', '_' and '.' may appear")
		}
	}
	return nil
}
