package oauthrule_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/scopegate/scopegate/oauthrule"
)

// FuzzBearerToken: a token is returned only with the Bearer scheme, is a
// b64token, and is exactly what follows the scheme and its spaces.
func FuzzBearerToken(f *testing.F) {
	for _, s := range []string{"Bearer abc", "bearer a=", "Basic x", "Bearer  a b", "Bearer"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		tok, bearer := oauthrule.BearerToken(v)
		if tok == "" {
			return
		}
		if !bearer || !oauthrule.ValidB64Token(tok) || !strings.HasSuffix(v, " "+tok) ||
			!strings.EqualFold(v[:6], "Bearer") || strings.Trim(v[6:len(v)-len(tok)], " ") != "" {
			t.Fatalf("BearerToken(%q) = %q, %v", v, tok, bearer)
		}
	})
}

// FuzzParseScope: every element is non-empty and free of spaces, joining
// them changes nothing but spaces, and ok says whether each is a
// scope-token.
func FuzzParseScope(f *testing.F) {
	for _, s := range []string{"a b", "  a  ", "a\tb", `"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		scopes, ok := oauthrule.ParseScope(s)
		all := true
		for _, sc := range scopes {
			if sc == "" || strings.Contains(sc, " ") {
				t.Fatalf("ParseScope(%q) has element %q", s, sc)
			}
			all = all && oauthrule.ValidScopeToken(sc)
		}
		if ok != all {
			t.Fatalf("ParseScope(%q) ok = %v, but elements valid = %v", s, ok, all)
		}
		if got := oauthrule.FormatScope(scopes); strings.ReplaceAll(got, " ", "") != strings.ReplaceAll(s, " ", "") {
			t.Fatalf("FormatScope(ParseScope(%q)) = %q: more than spaces changed", s, got)
		}
		if again, _ := oauthrule.ParseScope(oauthrule.FormatScope(scopes)); !slices.Equal(again, scopes) {
			t.Fatalf("ParseScope(FormatScope(%q)) = %q", scopes, again)
		}
	})
}

// FuzzMatchRedirectURI: without anyPort only the exact registered string
// matches; with it, a match differs at most in a loopback port.
func FuzzMatchRedirectURI(f *testing.F) {
	f.Add("http://127.0.0.1/cb", "http://127.0.0.1:8080/cb", true)
	f.Add("https://a.example/cb", "https://a.example/cb", false)
	f.Add("http://[::1]:1/x", "http://[::1]:22/x?", true)
	f.Fuzz(func(t *testing.T, registered, requested string, anyPort bool) {
		got, ok := oauthrule.MatchRedirectURI([]string{registered}, requested, anyPort)
		if !ok {
			return
		}
		if requested == "" {
			if got != registered {
				t.Fatalf("omitted redirect_uri gave %q, want the registered %q", got, registered)
			}
			return
		}
		if got != requested {
			t.Fatalf("match returned %q, not the requested %q", got, requested)
		}
		if !anyPort && requested != registered {
			t.Fatalf("%q matched %q without anyPort", requested, registered)
		}
		if requested == registered {
			return
		}
		u, err := url.Parse(requested)
		if err != nil || u.Scheme != "http" || u.Hostname() != "127.0.0.1" && u.Hostname() != "::1" || u.User != nil {
			t.Fatalf("%q matched %q but is not an http loopback IP URI (%v)", requested, registered, err)
		}
	})
}
