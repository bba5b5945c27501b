package oauthrule

import "strings"

// ValidScopeToken reports whether s is a scope-token of RFC 6749 §3.3:
// 1*NQCHAR, where NQCHAR = %x21 / %x23-5B / %x5D-7E (printable ASCII
// without space, '"' and '\').
func ValidScopeToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// ParseScope splits a scope parameter (RFC 6749 §3.3) on spaces and
// reports whether every element is a scope-token. Empty elements (runs of
// spaces) are dropped and order is kept. Only the ASCII space separates
// scopes: a tab stays inside an element, which is then not a scope-token,
// rather than splitting one requested value into two.
func ParseScope(s string) (scopes []string, ok bool) {
	ok = true
	for f := range strings.SplitSeq(s, " ") {
		if f == "" {
			continue
		}
		if !ValidScopeToken(f) {
			ok = false
		}
		scopes = append(scopes, f)
	}
	return scopes, ok
}

// FormatScope joins scopes with single spaces, as RFC 6749 §3.3 writes
// them.
func FormatScope(scopes []string) string { return strings.Join(scopes, " ") }
