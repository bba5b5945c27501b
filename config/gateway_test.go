package config

import "testing"

func TestTrustedIssuers(t *testing.T) {
	runProblems(t, []problemCase{
		{
			name: "valid, trailing slash kept as published",
			yaml: "gateway:\n  trusted_issuers:\n    - {issuer: \"https://login.example.com/\", audience: photos-api}\n",
		},
		{
			name: "http to a remote host",
			yaml: "gateway:\n  trusted_issuers:\n    - {issuer: \"http://login.example.com\", audience: a}\n",
			want: []string{`c.yaml:3:16: trusted issuer "http://login.example.com" must use https (http only for localhost, 127.0.0.1 or [::1])`},
		},
		{
			name: "audience required",
			yaml: "gateway:\n  trusted_issuers:\n    - issuer: \"https://login.example.com\"\n",
			want: []string{`c.yaml:3:7: missing required key "audience"`},
		},
		{
			name: "duplicate",
			yaml: "gateway:\n  trusted_issuers:\n    - {issuer: \"https://a.example\", audience: x}\n    - {issuer: \"https://a.example\", audience: y}\n",
			want: []string{`c.yaml:4:16: duplicate trusted issuer "https://a.example" (first at line 3)`},
		},
		{
			name: "our own issuer",
			yaml: "authserver:\n  issuer: https://id.example.com\ngateway:\n  trusted_issuers:\n    - {issuer: \"https://id.example.com\", audience: x}\n",
			want: []string{`c.yaml:5:16: trusted issuer "https://id.example.com" is this server's own issuer, which is always trusted`},
		},
	})
}

func TestUpstreams(t *testing.T) {
	up := func(body string) string { return "gateway:\n  upstreams:\n    photos:\n" + body }
	runProblems(t, []problemCase{
		{
			name: "missing url",
			yaml: up("      timeout: 5s\n"),
			want: []string{`c.yaml:4:7: missing required key "url"`},
		},
		{
			name: "no body",
			yaml: "gateway:\n  upstreams:\n    photos:\n",
			want: []string{`c.yaml:3:5: upstream "photos" needs a url`},
		},
		{
			name: "bad name",
			yaml: "gateway:\n  upstreams:\n    \"photo api\": {url: \"http://127.0.0.1:9000\"}\n",
			want: []string{`c.yaml:3:5: invalid upstream name "photo api" (letters, digits, '.', '_' and '-')`},
		},
		{
			name: "scheme",
			yaml: up("      url: ftp://files.internal\n"),
			want: []string{`c.yaml:4:12: upstream url "ftp://files.internal" must be an absolute http or https URL`},
		},
		{
			name: "relative",
			yaml: up("      url: 127.0.0.1:9000\n"),
			want: []string{`c.yaml:4:12: upstream url "127.0.0.1:9000" must be an absolute http or https URL`},
		},
		{
			name: "no host",
			yaml: up("      url: \"http:///photos\"\n"),
			want: []string{`c.yaml:4:12: upstream url "http:///photos" must name a host`},
		},
		{
			name: "query",
			yaml: up("      url: \"http://127.0.0.1:9000/?debug=1\"\n"),
			want: []string{`c.yaml:4:12: upstream url "http://127.0.0.1:9000/?debug=1" must not have a query`},
		},
		{
			name: "fragment",
			yaml: up("      url: \"http://127.0.0.1:9000/#x\"\n"),
			want: []string{`c.yaml:4:12: upstream url "http://127.0.0.1:9000/#x" must not have a fragment`},
		},
		{
			name: "userinfo",
			yaml: up("      url: \"http://u:p@127.0.0.1:9000\"\n"),
			want: []string{`c.yaml:4:12: upstream url "http://u:p@127.0.0.1:9000" must not contain userinfo`},
		},
		{
			name: "timeout",
			yaml: up("      url: \"http://127.0.0.1:9000\"\n      timeout: soon\n"),
			want: []string{`c.yaml:5:16: invalid duration "soon" (use a number with a unit, such as 30s, 10m or 1h)`},
		},
		{
			name: "negative timeout",
			yaml: up("      url: \"http://127.0.0.1:9000\"\n      timeout: -1s\n"),
			want: []string{`c.yaml:5:16: timeout must be positive`},
		},
		{
			name: "connection limits",
			yaml: up("      url: \"http://127.0.0.1:9000\"\n      max_connections: 10\n      idle_connections: 20\n      stall_timeout: 5s\n"),
			want: []string{
				`c.yaml:6:25: idle_connections must not exceed max_connections (10)`,
				`c.yaml:7:22: stall_timeout must not be shorter than the upstream's timeout (30s)`,
			},
		},
		{
			name: "connection limits out of range",
			yaml: up("      url: \"http://127.0.0.1:9000\"\n      max_connections: 0\n      timeout: 5s\n      stall_timeout: 10s\n"),
			want: []string{`c.yaml:5:24: expected a whole number from 1 to 100000, got "0"`},
		},
		{
			name: "pass_authorization",
			yaml: up("      url: \"http://127.0.0.1:9000\"\n      pass_authorization: sometimes\n"),
			want: []string{`c.yaml:5:27: expected true or false, got "sometimes"`},
		},
	})
}

// routesHead declares scope photos.read and upstream photos; routes start
// on line 9.
const routesHead = "authserver:\n  scopes:\n    photos.read: See\ngateway:\n  upstreams:\n    photos:\n      url: \"http://127.0.0.1:9000\"\n  routes:\n"

func TestRoutes(t *testing.T) {
	runProblems(t, []problemCase{
		{
			name: "valid",
			yaml: routesHead + "    - {route: \"GET /photos/{id}\", upstream: photos, scopes: [photos.read]}\n    - {route: \"GET /status\", upstream: photos, public: true}\n",
		},
		{
			name: "authorization server paths",
			yaml: routesHead + "    - {route: \"GET /oauth2/token\", upstream: photos, public: true}\n" +
				"    - {route: \"api.example.com/oauth2/{rest...}\", upstream: photos, public: true}\n" +
				"    - {route: \"GET /.well-known/openid-configuration\", upstream: photos, public: true}\n" +
				"    - {route: \"GET /oauth2\", upstream: photos, public: true}\n" +
				"    - {route: \"GET /.well-known/security.txt\", upstream: photos, public: true}\n",
			want: []string{
				`c.yaml:9:15: route "GET /oauth2/token" is on the authorization server's paths (/oauth2/ and its /.well-known/ metadata), which the gateway never serves`,
				`c.yaml:10:15: route "api.example.com/oauth2/{rest...}" is on the authorization server's paths (/oauth2/ and its /.well-known/ metadata), which the gateway never serves`,
				`c.yaml:11:15: route "GET /.well-known/openid-configuration" is on the authorization server's paths (/oauth2/ and its /.well-known/ metadata), which the gateway never serves`,
			},
		},
		{
			name: "unknown upstream",
			yaml: routesHead + "    - {route: \"GET /a\", upstream: photo, scopes: [photos.read]}\n",
			want: []string{`c.yaml:9:35: unknown upstream "photo" (did you mean "photos"?)`},
		},
		{
			name: "undeclared scope",
			yaml: routesHead + "    - {route: \"GET /a\", upstream: photos, scopes: [photos.delete]}\n",
			want: []string{`c.yaml:9:52: undeclared scope "photos.delete"`},
		},
		{
			name: "unknown route key",
			yaml: routesHead + "    - {route: \"GET /a\", upstream: photos, scope: [photos.read]}\n",
			want: []string{`c.yaml:9:43: unknown key "scope" in route (did you mean "scopes"?)`},
		},
		{
			name: "routes without upstreams",
			yaml: "gateway:\n  routes:\n    - {route: \"GET /status\", upstream: photos, public: true}\n",
			want: []string{
				`c.yaml:3:5: routes need at least one upstream under gateway.upstreams`,
				`c.yaml:3:40: unknown upstream "photos"`,
			},
		},
	})
}

// TestManyProblems: one run reports every problem in every section, in
// file order, and the policy's diagnostics are interleaved by position.
func TestManyProblems(t *testing.T) {
	src := `gateway:
  routes:
    - {route: "GET /a", upstream: nowhere, scopes: [x]}
  upstreams:
    nowhere: {url: "ftp://x"}
server:
  listen: nope
log: {level: loud}
authserver:
  issuer: http://id.example.com
  clients:
    - {id: c, grant_types: [password]}
`
	runProblems(t, []problemCase{{
		name: "all sections",
		yaml: src,
		want: []string{
			`c.yaml:3:53: undeclared scope "x"`,
			`c.yaml:5:20: upstream url "ftp://x" must be an absolute http or https URL`,
			`c.yaml:7:11: invalid listen address "nope" (want host:port, such as :8080 or 127.0.0.1:9090)`,
			`c.yaml:8:14: unknown log level "loud" (want debug, info, warn or error)`,
			`c.yaml:10:11: issuer "http://id.example.com" must use https (http only for localhost, 127.0.0.1 or [::1])`,
			`c.yaml:12:29: unknown grant type "password" (want authorization_code, client_credentials or refresh_token)`,
		},
	}})
}

func TestBrowserSessions(t *testing.T) {
	runProblems(t, []problemCase{
		{name: "valid", yaml: "gateway:\n  browser:\n    session_lifetime: 12h\n    idle_timeout: 1h\n"},
		{
			name: "idle longer than lifetime",
			yaml: "gateway:\n  browser:\n    session_lifetime: 1h\n    idle_timeout: 2h\n",
			want: []string{`c.yaml:4:19: idle_timeout must not exceed session_lifetime`},
		},
		{
			name: "bad values",
			yaml: "gateway:\n  browser:\n    session_lifetime: 0s\n    idle_timeout: soon\n    idle: 1m\n",
			want: []string{
				`c.yaml:3:23: session_lifetime must be positive and at most 720h`,
				`c.yaml:4:19: invalid duration "soon" (use a number with a unit, such as 30s, 10m or 1h)`,
				`c.yaml:5:5: unknown key "idle" (known keys: session_lifetime, idle_timeout)`,
			},
		},
	})
}
