package config

import (
	"slices"
	"testing"
)

const idpHead = "authserver:\n  users:\n    - username: alice\n      password_hash: \"" + aliceHash + "\"\n  identity_providers:\n"

func TestIdentityProviders(t *testing.T) {
	runProblems(t, []problemCase{
		{
			name: "valid",
			yaml: idpHead + "    - id: company-a\n      name: Company A\n      issuer: https://id.company-a.example\n" +
				"      client_id: scopegate\n      client_secret: ${A_SECRET}\n      scopes: [openid, email]\n",
			env: map[string]string{"A_SECRET": "from-the-environment"},
		},
		{
			name: "missing keys",
			yaml: idpHead + "    - name: Company A\n",
			want: []string{`c.yaml:6:7: missing required key "id"`, `c.yaml:6:7: missing required key "issuer"`, `c.yaml:6:7: missing required key "client_id"`},
		},
		{
			name: "bad id and duplicate",
			yaml: idpHead + "    - {id: Company:A, issuer: \"https://a.example\", client_id: x}\n" +
				"    - {id: b, issuer: \"https://b.example\", client_id: x}\n    - {id: b, issuer: \"https://c.example\", client_id: x}\n",
			want: []string{`c.yaml:6:12: identity provider id "Company:A" must be lower-case letters, digits and dashes`,
				`c.yaml:8:12: duplicate identity provider id "b" (first at line 7)`},
		},
		{
			name: "http issuer, own issuer",
			yaml: idpHead + "    - {id: a, issuer: \"http://id.example\", client_id: x}\n    - {id: b, issuer: \"http://localhost:8080\", client_id: x}\n",
			want: []string{`c.yaml:6:23: identity provider issuer "http://id.example" must use https (http only for localhost, 127.0.0.1 or [::1])`,
				`c.yaml:7:23: identity provider issuer "http://localhost:8080" is this server itself`},
		},
		{
			name: "scopes without openid",
			yaml: idpHead + "    - {id: a, issuer: \"https://a.example\", client_id: x, scopes: [profile]}\n",
			want: []string{`c.yaml:6:66: scopes must include openid: sign-in needs an ID token`},
		},
		{
			name: "secret variable unset",
			yaml: idpHead + "    - {id: a, issuer: \"https://a.example\", client_id: x, client_secret: \"${NOPE}\"}\n",
			want: []string{`c.yaml:6:73: environment variable NOPE is not set`},
		},
		{
			name: "subject prefix of a username",
			yaml: "authserver:\n  users:\n    - username: \"a:bob\"\n      password_hash: \"" + aliceHash + "\"\n  identity_providers:\n" +
				"    - {id: a, issuer: \"https://a.example\", client_id: x}\n",
			want: []string{`c.yaml:6:12: identity provider id "a": the username at line 3 starts with "a:", so subjects could collide`},
		},
	})
}

func TestIdentityProvidersDecoded(t *testing.T) {
	f, err := Parse("c.yaml", []byte(idpHead+"    - id: company-a\n      issuer: https://id.company-a.example\n"+
		"      client_id: scopegate\n      client_secret: ${A_SECRET}\n"), testEnv(map[string]string{"A_SECRET": "s3cret"}))
	if err != nil {
		t.Fatal(err)
	}
	want := IdentityProvider{ID: "company-a", Name: "company-a", Issuer: "https://id.company-a.example",
		ClientID: "scopegate", ClientSecret: "s3cret", Scopes: []string{"openid", "profile", "email"}}
	got := f.AuthServer.IdentityProviders
	if len(got) != 1 || got[0].ID != want.ID || got[0].Name != want.Name || got[0].Issuer != want.Issuer ||
		got[0].ClientID != want.ClientID || got[0].ClientSecret != want.ClientSecret || !slices.Equal(got[0].Scopes, want.Scopes) {
		t.Errorf("identity providers = %+v, want [%+v]", got, want)
	}
}
