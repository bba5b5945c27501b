package proxy

import (
	"net/http"
	"strings"
)

// takeCookies removes from the request's Cookie headers every cookie named
// in strip, so that no backend ever sees a sign-in (ours or the
// authorization server's), and returns the values of the cookie named
// want, in order, appended to dst. Other cookies are forwarded untouched. A request whose
// only cookies are ours loses its Cookie header without allocating.
func takeCookies(h http.Header, want string, strip []string, dst []string) []string {
	lines := h["Cookie"]
	if len(lines) == 0 {
		return dst
	}
	found := dst
	var kept []string
	changed := false
	for _, line := range lines {
		var keep strings.Builder
		dropped := false
		for rest := line; rest != ""; {
			var part string
			part, rest, _ = strings.Cut(rest, ";")
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			name, value, _ := strings.Cut(part, "=")
			if want != "" && name == want {
				found = append(found, strings.Trim(value, `"`))
			}
			if name == want || isStripped(name, strip) {
				dropped = true
				continue
			}
			if keep.Len() > 0 {
				keep.WriteString("; ")
			}
			keep.WriteString(part)
		}
		switch {
		case !dropped:
			kept = append(kept, line)
		case keep.Len() > 0:
			kept = append(kept, keep.String())
			changed = true
		default:
			changed = true
		}
	}
	if changed {
		if len(kept) == 0 {
			delete(h, "Cookie")
		} else {
			h["Cookie"] = kept
		}
	}
	return found
}

func isStripped(name string, strip []string) bool {
	for _, s := range strip {
		if name == s {
			return true
		}
	}
	return false
}
