package policy

import (
	"fmt"
	"strings"
)

// splitPattern splits a ServeMux pattern into its optional method, host and
// path the way ServeMux does: the method ends at the first space or tab,
// the host runs up to the first "/". ok is false when there is no "/".
func splitPattern(pat string) (method, host, path string, ok bool) {
	rest := pat
	if i := strings.IndexAny(rest, " \t"); i >= 0 {
		method, rest = rest[:i], strings.TrimLeft(rest[i+1:], " \t")
	}
	i := strings.IndexByte(rest, '/')
	if i < 0 {
		return method, "", "", false
	}
	return method, rest[:i], rest[i:], true
}

// normalizePattern rewrites the host of a pattern to the form Match
// compares against: lower case, no trailing dot (threat model B.2).
func normalizePattern(pat string) string {
	method, host, path, ok := splitPattern(pat)
	if !ok || host == "" {
		return pat
	}
	host = normalizeHost(host)
	if method != "" {
		return method + " " + host + path
	}
	return host + path
}

// checkPatternParts reports problems ServeMux accepts but that make a route
// useless or misleading: a route that can never match is a silent hole in
// the policy, so it is an error.
func checkPatternParts(pat string) []string {
	method, host, path, ok := splitPattern(pat)
	if !ok {
		return nil // ServeMux reports it
	}
	var probs []string
	if method != "" && method != strings.ToUpper(method) {
		probs = append(probs, fmt.Sprintf("method %q must be upper case (HTTP methods are case-sensitive)", method))
	}
	if host != "" {
		probs = append(probs, checkPatternHost(host)...)
	}
	if err := CheckPath(concretePath(path)); err != nil {
		probs = append(probs, fmt.Sprintf("path %q can never match a request: %s", path, strings.TrimPrefix(err.Error(), "policy: ")))
	}
	return probs
}

func checkPatternHost(host string) []string {
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		return nil // an IPv6 literal; ServeMux compares it as written
	}
	if strings.Contains(host, ":") {
		return []string{fmt.Sprintf("host %q has a port: ports are ignored when matching, so drop it", host)}
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		if !(c == '-' || c == '.' || c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return []string{fmt.Sprintf("host %q is not a valid host name", host)}
		}
	}
	return nil
}

// concretePath replaces each wildcard segment of a pattern path by a plain
// segment, so the result can be judged like a request path.
func concretePath(path string) string {
	if !strings.Contains(path, "{") {
		return path
	}
	segs := strings.Split(path, "/")
	for i, s := range segs {
		switch {
		case s == "{$}":
			segs[i] = ""
		case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}"):
			segs[i] = "x"
		}
	}
	return strings.Join(segs, "/")
}

// normalizeHost strips a port and a trailing dot and lower-cases host, as
// the request side and the pattern side must agree (threat model B.2). It
// allocates only when host has upper-case letters.
func normalizeHost(host string) string {
	if strings.HasPrefix(host, "[") {
		if i := strings.IndexByte(host, ']'); i >= 0 {
			host = host[:i+1]
		}
	} else if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	host = strings.TrimSuffix(host, ".")
	for i := 0; i < len(host); i++ {
		if c := host[i]; 'A' <= c && c <= 'Z' {
			return strings.ToLower(host)
		}
	}
	return host
}
