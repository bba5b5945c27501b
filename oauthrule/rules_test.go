package oauthrule_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/scopegate/scopegate/oauthrule"
)

func TestValidScopeToken(t *testing.T) {
	for _, s := range []string{"photos.read", "openid", "a", "!#[]~", "urn:x:y/z"} {
		if !oauthrule.ValidScopeToken(s) {
			t.Errorf("ValidScopeToken(%q) = false, want true", s)
		}
	}
	for _, s := range []string{"", "a b", `a"b`, `a\b`, "a\tb", "é", "a\x7f", "a\nb"} {
		if oauthrule.ValidScopeToken(s) {
			t.Errorf("ValidScopeToken(%q) = true, want false", s)
		}
	}
}

func TestParseScope(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		ok   bool
	}{
		{"", nil, true},
		{"a b", []string{"a", "b"}, true},
		{"  a   b ", []string{"a", "b"}, true},
		{"a\tb", []string{"a\tb"}, false},
		{`a "b"`, []string{"a", `"b"`}, false},
	}
	for _, tc := range tests {
		got, ok := oauthrule.ParseScope(tc.in)
		if !slices.Equal(got, tc.want) || ok != tc.ok {
			t.Errorf("ParseScope(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	if got := oauthrule.FormatScope([]string{"a", "b"}); got != "a b" {
		t.Errorf("FormatScope = %q, want %q", got, "a b")
	}
}

func TestIsLoopbackHost(t *testing.T) {
	for _, h := range []string{"localhost", "LOCALHOST", "LocalHost", "127.0.0.1", "127.1.2.3", "::1"} {
		if !oauthrule.IsLoopbackHost(h) {
			t.Errorf("IsLoopbackHost(%q) = false, want true", h)
		}
	}
	for _, h := range []string{"", "localhost.", "localhost.example.com", "example.com", "10.0.0.1", "::2", "fe80::1%eth0", "::1%lo", "0.0.0.0"} {
		if oauthrule.IsLoopbackHost(h) {
			t.Errorf("IsLoopbackHost(%q) = true, want false", h)
		}
	}
}

func TestCheckIssuer(t *testing.T) {
	tests := []struct {
		raw       string
		own, ok   bool
		wantInErr string
	}{
		{"https://login.example.com", true, true, ""},
		{"https://login.example.com:8443", true, true, ""},
		{"http://localhost:8080", true, true, ""},
		{"http://LOCALHOST:8080", true, true, ""},
		{"http://127.0.0.1:8080", true, true, ""},
		{"http://[::1]:8080", true, true, ""},
		{"https://login.example.com/", true, false, "path"},
		{"https://login.example.com/tenant", true, false, "path"},
		{"https://login.example.com/tenant", false, true, ""},
		{"http://login.example.com", true, false, "https"},
		{"http://login.example.com", false, false, "https"},
		{"https://user@login.example.com", true, false, "userinfo"},
		{"https://login.example.com?x=1", true, false, "query"},
		{"https://login.example.com?", true, false, "query"},
		{"https://login.example.com#f", true, false, "fragment"},
		{"https://login.example.com#", false, false, "fragment"},
		{"login.example.com", true, false, "absolute"},
		{"https://", true, false, "absolute"},
		{"https://:443", true, false, "absolute"},
		{"ftp://login.example.com", true, false, "https"},
		{"", true, false, "absolute"},
	}
	for _, tc := range tests {
		err := oauthrule.CheckIssuer(tc.raw, tc.own)
		if (err == nil) != tc.ok || err != nil && !strings.Contains(err.Error(), tc.wantInErr) {
			t.Errorf("CheckIssuer(%q, own=%v) = %v; want ok=%v (error mentioning %q)", tc.raw, tc.own, err, tc.ok, tc.wantInErr)
		}
	}
}

func TestCheckRedirectURI(t *testing.T) {
	ok := []string{
		"https://app.example.com/callback",
		"https://app.example.com/cb?x=1",
		"http://127.0.0.1/cb",
		"http://127.0.0.1:5000/cb",
		"http://[::1]:5000/cb",
		"http://localhost:3000/cb",
		"http://LOCALHOST:3000/cb",
		"com.example.app:/callback",
	}
	for _, raw := range ok {
		if err := oauthrule.CheckRedirectURI(raw); err != nil {
			t.Errorf("CheckRedirectURI(%q) = %v, want nil", raw, err)
		}
	}
	bad := []string{
		"", "/callback", "app.example.com/cb",
		"https://app.example.com/cb#frag", "https://app.example.com/cb#",
		"https://user:pw@app.example.com/cb",
		"https:///cb", "https:cb",
		"http://app.example.com/cb", "http://127.0.0.1.example.com/cb",
		"javascript:alert(1)", "data:text/html,x", "file:///etc/passwd", "myapp:/cb",
	}
	for _, raw := range bad {
		if err := oauthrule.CheckRedirectURI(raw); err == nil {
			t.Errorf("CheckRedirectURI(%q) = nil, want an error", raw)
		}
	}
}

func TestMatchRedirectURI(t *testing.T) {
	reg := []string{"https://app.example.com/cb", "http://127.0.0.1/native", "http://[::1]:4000/n"}
	tests := []struct {
		requested string
		anyPort   bool
		want      string
		ok        bool
	}{
		{"https://app.example.com/cb", false, "https://app.example.com/cb", true},
		{"https://app.example.com/cb/", false, "", false},
		{"https://APP.example.com/cb", false, "", false},
		{"https://app.example.com/cb?x=1", false, "", false},
		{"https://app.example.com/%63b", false, "", false},
		{"https://app.example.com:443/cb", false, "", false},
		{"http://127.0.0.1:51234/native", true, "http://127.0.0.1:51234/native", true},
		{"http://127.0.0.1:51234/native", false, "", false},
		{"http://[::1]:5/n", true, "http://[::1]:5/n", true},
		{"http://127.0.0.1:51234/other", true, "", false},
		{"http://127.0.0.1:/native", true, "", false},
		{"http://127.0.0.1:1234567/native", true, "", false},
		{"http://127.0.0.1.evil/native", true, "", false},
		{"http://localhost:5000/native", true, "", false},
		{"http://127.0.0.1:9native", true, "", false},
		{"http://127.0.0.1:8080@evil.example/native", true, "", false},
		{"http://[::1]:5000/n?x=2", true, "", false},
		{"", false, "", false},
	}
	for _, tc := range tests {
		got, ok := oauthrule.MatchRedirectURI(reg, tc.requested, tc.anyPort)
		if got != tc.want || ok != tc.ok {
			t.Errorf("MatchRedirectURI(%q, anyPort=%v) = %q, %v; want %q, %v", tc.requested, tc.anyPort, got, ok, tc.want, tc.ok)
		}
	}
	if got, ok := oauthrule.MatchRedirectURI(reg[:1], "", false); !ok || got != reg[0] {
		t.Errorf("omitted redirect_uri with one registered = %q, %v; want it", got, ok)
	}
}

func TestCheckIdentifier(t *testing.T) {
	for _, s := range []string{"alice", "Alice Liddell", "photo-printer", "bob@example.com", "名前"} {
		if err := oauthrule.CheckIdentifier(s); err != nil {
			t.Errorf("CheckIdentifier(%q) = %v, want nil", s, err)
		}
	}
	for _, s := range []string{"", " ", "alice ", " alice", "ali\r\nce", "a\tb", "a\x00b", "\xff"} {
		if err := oauthrule.CheckIdentifier(s); err == nil {
			t.Errorf("CheckIdentifier(%q) = nil, want an error", s)
		}
	}
	if a, b := oauthrule.CanonicalUsername("Alice "), oauthrule.CanonicalUsername("alice"); a != b {
		t.Errorf("CanonicalUsername: %q != %q", a, b)
	}
}

func TestBearerToken(t *testing.T) {
	tests := []struct {
		in     string
		token  string
		bearer bool
	}{
		{"Bearer abc.def-ghi_jkl~+/==", "abc.def-ghi_jkl~+/==", true},
		{"bearer abc", "abc", true},
		{"BEARER   abc", "abc", true},
		{"Bearer", "", true},
		{"Bearer ", "", true},
		{"Bearer abc ", "", true},
		{"Bearer abc def", "", true},
		{"Bearer =abc", "", true},
		{"Bearer a\tb", "", true},
		{"Bearer\tabc", "", false},
		{"Basic YWxpY2U6cHc=", "", false},
		{"", "", false},
		{"Bearerabc", "", false},
	}
	for _, tc := range tests {
		tok, bearer := oauthrule.BearerToken(tc.in)
		if tok != tc.token || bearer != tc.bearer {
			t.Errorf("BearerToken(%q) = %q, %v; want %q, %v", tc.in, tok, bearer, tc.token, tc.bearer)
		}
	}
}

func TestKnownGrantType(t *testing.T) {
	for _, g := range []string{oauthrule.GrantAuthorizationCode, oauthrule.GrantClientCredentials} {
		if !oauthrule.KnownGrantType(g) {
			t.Errorf("KnownGrantType(%q) = false", g)
		}
	}
	for _, g := range []string{"", "password", "implicit", "Authorization_Code"} {
		if oauthrule.KnownGrantType(g) {
			t.Errorf("KnownGrantType(%q) = true", g)
		}
	}
}

func TestIsAuthServerPath(t *testing.T) {
	for _, p := range []string{"/oauth2/token", "/oauth2/", "/oauth2/{x}", "/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"} {
		if !oauthrule.IsAuthServerPath(p) {
			t.Errorf("IsAuthServerPath(%q) = false", p)
		}
	}
	for _, p := range []string{"/", "/oauth2", "/oauth22/x", "/api/oauth2/x", "/.well-known/", "/.well-known/security.txt", "/OAUTH2/token"} {
		if oauthrule.IsAuthServerPath(p) {
			t.Errorf("IsAuthServerPath(%q) = true", p)
		}
	}
}
