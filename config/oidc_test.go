package config

import (
	"slices"
	"testing"
)

func oidcUser(extra string) string {
	return "authserver:\n  users:\n    - username: alice\n      password_hash: \"" + aliceHash + "\"\n" + extra
}

func parseOK(t *testing.T, src string) *File {
	t.Helper()
	f, err := Parse("c.yaml", []byte(src), testEnv(nil))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return f
}

// TestOpenIDClientKeys: id_token_signed_response_alg and
// post_logout_redirect_uris are read and checked with their position.
func TestOpenIDClientKeys(t *testing.T) {
	runProblems(t, []problemCase{
		{
			name: "valid",
			yaml: clientsHead + "    - id: p\n      redirect_uris: [\"https://p.example/cb\"]\n" +
				"      id_token_signed_response_alg: ES256\n      post_logout_redirect_uris: [\"https://p.example/bye\"]\n" +
				"      scopes: [openid, profile, email]\n",
		},
		{
			name: "unknown alg",
			yaml: clientsHead + "    - id: p\n      redirect_uris: [\"https://p.example/cb\"]\n      id_token_signed_response_alg: HS256\n",
			want: []string{`c.yaml:10:37: id_token_signed_response_alg "HS256" must be RS256 or ES256`},
		},
		{
			name: "post-logout URI over http",
			yaml: clientsHead + "    - id: p\n      redirect_uris: [\"https://p.example/cb\"]\n      post_logout_redirect_uris: [\"http://p.example/bye\"]\n",
			want: []string{`c.yaml:10:35: post-logout redirect URI "http://p.example/bye" may use http only with host localhost, 127.0.0.1 or [::1]; use https`},
		},
		{
			name: "post-logout URI with fragment and duplicate",
			yaml: clientsHead + "    - id: p\n      redirect_uris: [\"https://p.example/cb\"]\n      post_logout_redirect_uris:\n        - \"https://p.example/bye#x\"\n        - \"https://p.example/b\"\n        - \"https://p.example/b\"\n",
			want: []string{`c.yaml:11:11: post-logout redirect URI "https://p.example/bye#x" must not contain a fragment`,
				`c.yaml:13:11: duplicate post-logout redirect URI "https://p.example/b"`},
		},
		{
			name: "email_verified not a bool",
			yaml: oidcUser("      email_verified: yes please\n"),
			want: []string{`c.yaml:5:23: expected true or false, got "yes please"`},
		},
	})
}

func TestOpenIDClientKeysDecoded(t *testing.T) {
	f := parseOK(t, clientsHead+"    - id: p\n      redirect_uris: [\"https://p.example/cb\"]\n"+
		"      id_token_signed_response_alg: ES256\n      post_logout_redirect_uris: [\"https://p.example/bye\"]\n")
	c := f.AuthServer.Clients[0]
	if c.IDTokenSignedResponseAlg != "ES256" || !slices.Equal(c.PostLogoutRedirectURIs, []string{"https://p.example/bye"}) {
		t.Errorf("client = %+v", c)
	}
	f = parseOK(t, oidcUser("      email_verified: true\n"))
	if v := f.AuthServer.Users[0].EmailVerified; v == nil || !*v {
		t.Errorf("email_verified = %v, want true", v)
	}
}
