package config

import "testing"

// clientsHead declares a scope and a user; client items start on line 8.
const clientsHead = "authserver:\n  scopes:\n    photos.read: See\n  users:\n    - username: alice\n      password_hash: \"" + aliceHash + "\"\n  clients:\n"

func TestClients(t *testing.T) {
	runProblems(t, []problemCase{
		{
			name: "confidential and public",
			yaml: clientsHead +
				"    - {id: printer, secret: 0123456789abcdef, redirect_uris: [\"https://p.example/cb\"], scopes: [photos.read, openid]}\n" +
				"    - {id: app, redirect_uris: [\"com.example.app:/cb\"]}\n" +
				"    - {id: batch, secret_hash: \"" + aliceHash + "\", grant_types: [client_credentials]}\n",
		},
		{
			name: "missing id",
			yaml: clientsHead + "    - redirect_uris: [\"https://p.example/cb\"]\n",
			want: []string{`c.yaml:8:7: missing required key "id"`},
		},
		{
			name: "empty id",
			yaml: clientsHead + "    - {id: \"\", redirect_uris: [\"https://p.example/cb\"]}\n",
			want: []string{`c.yaml:8:12: client id "" must not be empty`},
		},
		{
			name: "duplicate id",
			yaml: clientsHead + "    - {id: app, redirect_uris: [\"https://p.example/cb\"]}\n    - {id: app, redirect_uris: [\"https://p.example/cb\"]}\n",
			want: []string{`c.yaml:9:12: duplicate client id "app" (first at line 8)`},
		},
		{
			name: "the gateway's own id",
			yaml: clientsHead + "    - {id: scopegate-gateway, redirect_uris: [\"https://p.example/cb\"]}\n",
			want: []string{`c.yaml:8:12: client id "scopegate-gateway" is reserved for the gateway's own sign-in (login: browser routes)`},
		},
		{
			name: "id equals a username ignoring case",
			yaml: clientsHead + "    - {id: Alice, redirect_uris: [\"https://p.example/cb\"]}\n",
			want: []string{`c.yaml:8:12: client id "Alice" equals the username at line 5: token subjects would collide`},
		},
		{
			name: "secret and secret_hash",
			yaml: clientsHead + "    - id: p\n      secret: 0123456789abcdef\n      secret_hash: \"" + aliceHash + "\"\n      redirect_uris: [\"https://p.example/cb\"]\n",
			want: []string{`c.yaml:10:20: set secret or secret_hash, not both`},
		},
		{
			name: "short secret",
			yaml: clientsHead + "    - {id: p, secret: short, redirect_uris: [\"https://p.example/cb\"]}\n",
			want: []string{`c.yaml:8:23: client secret must be at least 16 characters`},
		},
		{
			name: "secret_hash not bcrypt",
			yaml: clientsHead + "    - {id: p, secret_hash: abc, redirect_uris: [\"https://p.example/cb\"]}\n",
			want: []string{`c.yaml:8:28: secret_hash is not a bcrypt hash (make one with scopegate hash-password)`},
		},
		{
			name: "authorization_code without redirect_uris",
			yaml: clientsHead + "    - id: p\n      secret: 0123456789abcdef\n",
			want: []string{`c.yaml:8:7: redirect_uris must list at least one URI for the authorization_code grant`},
		},
		{
			name: "empty redirect_uris",
			yaml: clientsHead + "    - id: p\n      redirect_uris: []\n",
			want: []string{`c.yaml:9:22: redirect_uris must list at least one URI for the authorization_code grant`},
		},
		{
			name: "grant types",
			yaml: clientsHead + "    - id: p\n      redirect_uris: [\"https://p.example/cb\"]\n      grant_types: [authorization_code, password, implicit, authorization_code]\n",
			want: []string{
				`c.yaml:10:41: unknown grant type "password" (want authorization_code, client_credentials or refresh_token)`,
				`c.yaml:10:51: unknown grant type "implicit" (want authorization_code, client_credentials or refresh_token)`,
				`c.yaml:10:61: duplicate grant type "authorization_code"`,
			},
		},
		{
			name: "empty grant types",
			yaml: clientsHead + "    - id: p\n      grant_types: []\n",
			want: []string{`c.yaml:9:20: grant_types must not be empty (leave it out for [authorization_code])`},
		},
		{
			name: "public client with client_credentials",
			yaml: clientsHead + "    - id: p\n      grant_types: [client_credentials]\n",
			want: []string{`c.yaml:9:21: a public client (no secret or secret_hash) cannot use client_credentials`},
		},
		{
			name: "undeclared scope",
			yaml: clientsHead + "    - {id: p, redirect_uris: [\"https://p.example/cb\"], scopes: [photos.read, photos.write]}\n",
			want: []string{`c.yaml:8:78: scope "photos.write" is not declared in authserver.scopes`},
		},
	})
}

func TestRedirectURIs(t *testing.T) {
	uri := func(u string) string {
		return clientsHead + "    - id: p\n      redirect_uris:\n        - \"" + u + "\"\n"
	}
	const at = "c.yaml:10:11: "
	runProblems(t, []problemCase{
		{name: "https", yaml: uri("https://printer.example/callback?x=1")},
		{name: "loopback ip", yaml: uri("http://127.0.0.1:8081/callback")},
		{name: "loopback v6", yaml: uri("http://[::1]/callback")},
		{name: "localhost", yaml: uri("http://localhost:8081/callback")},
		{name: "private-use scheme", yaml: uri("com.example.app:/callback")},
		{
			name: "http to a remote host",
			yaml: uri("http://printer.example/callback"),
			want: []string{at + `redirect URI "http://printer.example/callback" may use http only with host localhost, 127.0.0.1 or [::1]; use https`},
		},
		{
			name: "relative",
			yaml: uri("/callback"),
			want: []string{at + `redirect URI "/callback" must be an absolute URI`},
		},
		{
			name: "fragment",
			yaml: uri("https://printer.example/cb#top"),
			want: []string{at + `redirect URI "https://printer.example/cb#top" must not contain a fragment`},
		},
		{
			name: "userinfo",
			yaml: uri("https://user@printer.example/cb"),
			want: []string{at + `redirect URI "https://user@printer.example/cb" must not contain userinfo`},
		},
		{
			name: "https without host",
			yaml: uri("https:/cb"),
			want: []string{at + `redirect URI "https:/cb" must name a host`},
		},
		{
			name: "scheme without a dot",
			yaml: uri("myapp:/callback"),
			want: []string{at + `redirect URI "myapp:/callback" must use https, loopback http, or a private-use scheme with a dot such as com.example.app:/callback`},
		},
		{
			name: "javascript",
			yaml: uri("javascript:alert(1)"),
			want: []string{at + `redirect URI "javascript:alert(1)" must use https, loopback http, or a private-use scheme with a dot such as com.example.app:/callback`},
		},
		{
			name: "duplicate",
			yaml: clientsHead + "    - id: p\n      redirect_uris: [\"https://p.example/cb\", \"https://p.example/cb\"]\n",
			want: []string{`c.yaml:9:47: duplicate redirect URI "https://p.example/cb"`},
		},
	})
}
