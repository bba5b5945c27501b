package proxy

import (
	"net/http"
	"strings"
	"testing"

	"github.com/scopegate/scopegate/oauthrule"
)

// FuzzBearerToken: parsing any Authorization value never panics, and an
// accepted token is a well-formed b64token that the header really carried
// after a case-insensitive "Bearer" scheme.
func FuzzBearerToken(f *testing.F) {
	for _, s := range []string{"Bearer abc", "bearer a.b.c", "Bearer", "Bearer  x=", "Basic x", "Bearer a b", "BEARER ~+/=", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		tok, state := bearerToken(http.Header{"Authorization": {v}})
		if state != bearerOK {
			if tok != "" {
				t.Errorf("bearerToken(%q) = %q with state %d; want no token", v, tok, state)
			}
			return
		}
		if tok == "" || !oauthrule.ValidB64Token(tok) || strings.ContainsAny(tok, " ,\"") {
			t.Errorf("bearerToken(%q) = %q; want a b64token", v, tok)
		}
		if !strings.HasSuffix(v, tok) || !strings.EqualFold(v[:7], "Bearer ") {
			t.Errorf("bearerToken(%q) = %q; not taken from a Bearer credential", v, tok)
		}
	})
}

// FuzzIdentityAlias: the allocation-free fold agrees with the obvious one.
func FuzzIdentityAlias(f *testing.F) {
	for _, s := range []string{"X-Auth-Subject", "x_auth_subject", "X.Auth.Scope", "X-Auth-Client-Id", "X-Auth-Subjects", "XAuthScope-", "Authorization"} {
		f.Add(s)
	}
	fold := strings.NewReplacer("-", "", "_", "", ".", "")
	f.Fuzz(func(t *testing.T, name string) {
		lower := []byte(name)
		for i, c := range lower {
			if 'A' <= c && c <= 'Z' {
				lower[i] = c + 'a' - 'A'
			}
		}
		folded := fold.Replace(string(lower))
		want := folded == "xauthsubject" || folded == "xauthclientid" || folded == "xauthscope"
		if got := isIdentityAlias(name); got != want {
			t.Errorf("isIdentityAlias(%q) = %v; want %v", name, got, want)
		}
	})
}

// FuzzCleanConnection: whatever Connection lists, the identity headers
// set afterwards survive ReverseProxy's own hop-by-hop removal, because
// Connection is left holding at most "Upgrade".
func FuzzCleanConnection(f *testing.F) {
	for _, s := range []string{"X-Auth-Subject", "upgrade, X-Auth-Scope", " , ,Keep-Alive", "Upgrade"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, conn string) {
		h := http.Header{"Connection": {conn}, "Upgrade": {"websocket"}}
		cleanConnection(h)
		if c := h["Connection"]; len(c) > 1 || len(c) == 1 && c[0] != "Upgrade" {
			t.Errorf("after cleanConnection(%q): Connection = %q; want absent or Upgrade", conn, c)
		}
	})
}
