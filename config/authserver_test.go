package config

import "testing"

func TestIssuer(t *testing.T) {
	runProblems(t, []problemCase{
		{name: "https", yaml: "authserver:\n  issuer: https://id.example.com\n"},
		{name: "https with port", yaml: "authserver:\n  issuer: https://id.example.com:8443\n"},
		{name: "upper-case localhost", yaml: "authserver:\n  issuer: http://LOCALHOST:8080\n"},
		{name: "http on loopback", yaml: "authserver:\n  issuer: \"http://[::1]:8080\"\n"},
		{
			name: "http elsewhere",
			yaml: "authserver:\n  issuer: http://id.example.com\n",
			want: []string{`c.yaml:2:11: issuer "http://id.example.com" must use https (http only for localhost, 127.0.0.1 or [::1])`},
		},
		{
			name: "relative",
			yaml: "authserver:\n  issuer: /auth\n",
			want: []string{`c.yaml:2:11: issuer "/auth" must be an absolute URL such as https://login.example.com`},
		},
		{
			name: "trailing slash",
			yaml: "authserver:\n  issuer: https://id.example.com/\n",
			want: []string{`c.yaml:2:11: issuer "https://id.example.com/" must have no path, not even a trailing slash: the endpoints are served at the root`},
		},
		{
			name: "path",
			yaml: "authserver:\n  issuer: https://id.example.com/tenant\n",
			want: []string{`c.yaml:2:11: issuer "https://id.example.com/tenant" must have no path, not even a trailing slash: the endpoints are served at the root`},
		},
		{
			name: "query",
			yaml: "authserver:\n  issuer: https://id.example.com?x=1\n",
			want: []string{`c.yaml:2:11: issuer "https://id.example.com?x=1" must not have a query`},
		},
		{
			name: "fragment",
			yaml: "authserver:\n  issuer: \"https://id.example.com#x\"\n",
			want: []string{`c.yaml:2:11: issuer "https://id.example.com#x" must not have a fragment`},
		},
		{
			name: "userinfo",
			yaml: "authserver:\n  issuer: https://me@id.example.com\n",
			want: []string{`c.yaml:2:11: issuer "https://me@id.example.com" must not contain userinfo`},
		},
		{
			name: "empty audience",
			yaml: "authserver:\n  audience: \"\"\n",
			want: []string{`c.yaml:2:13: audience must not be empty (leave it out to use the issuer)`},
		},
	})
}

func TestAccessTokenTTL(t *testing.T) {
	runProblems(t, []problemCase{
		{name: "lower bound", yaml: "authserver:\n  access_token_ttl: 1m\n"},
		{name: "upper bound", yaml: "authserver:\n  access_token_ttl: 24h\n"},
		{
			name: "not a duration",
			yaml: "authserver:\n  access_token_ttl: ten minutes\n",
			want: []string{`c.yaml:2:21: invalid duration "ten minutes" (use a number with a unit, such as 30s, 10m or 1h)`},
		},
		{
			name: "no unit",
			yaml: "authserver:\n  access_token_ttl: 600\n",
			want: []string{`c.yaml:2:21: invalid duration "600" (use a number with a unit, such as 30s, 10m or 1h)`},
		},
		{
			name: "too short",
			yaml: "authserver:\n  access_token_ttl: 59s\n",
			want: []string{`c.yaml:2:21: access_token_ttl must be between 1m and 24h`},
		},
		{
			name: "too long",
			yaml: "authserver:\n  access_token_ttl: 25h\n",
			want: []string{`c.yaml:2:21: access_token_ttl must be between 1m and 24h`},
		},
	})
}

func TestUsers(t *testing.T) {
	user := func(name, extra string) string {
		return "    - username: " + name + "\n      password_hash: \"" + aliceHash + "\"\n" + extra
	}
	runProblems(t, []problemCase{
		{
			name: "valid",
			yaml: "authserver:\n  users:\n" + user("alice", "      name: Alice\n      email: alice@example.com\n"),
		},
		{
			name: "missing keys",
			yaml: "authserver:\n  users:\n    - name: Nobody\n",
			want: []string{
				`c.yaml:3:7: missing required key "username"`,
				`c.yaml:3:7: missing required key "password_hash"`,
			},
		},
		{
			name: "empty username",
			yaml: "authserver:\n  users:\n" + user(`""`, ""),
			want: []string{`c.yaml:3:17: username "" must not be empty`},
		},
		{
			name: "trailing space beside the plain name",
			yaml: "authserver:\n  users:\n" + user(`"alice "`, "") + user("alice", ""),
			want: []string{`c.yaml:3:17: username "alice " must not start or end with white space`},
		},
		{
			name: "line break",
			yaml: "authserver:\n  users:\n" + user(`"ali\r\nce"`, ""),
			want: []string{`c.yaml:3:17: username "ali\r\nce" must not contain control characters such as line breaks or tabs`},
		},
		{
			name: "duplicate ignoring case",
			yaml: "authserver:\n  users:\n" + user("alice", "") + user("Alice", ""),
			want: []string{`c.yaml:5:17: duplicate username "Alice" (first at line 3; usernames ignore case)`},
		},
		{
			name: "not bcrypt",
			yaml: "authserver:\n  users:\n    - username: bob\n      password_hash: bob-photos\n",
			want: []string{`c.yaml:4:22: password_hash is not a bcrypt hash (make one with scopegate hash-password)`},
		},
		{
			name: "email",
			yaml: "authserver:\n  users:\n" + user("alice", "      email: Alice <alice@example.com>\n"),
			want: []string{`c.yaml:5:14: invalid email "Alice <alice@example.com>" (want name@example.com)`},
		},
	})
}

func TestScopes(t *testing.T) {
	runProblems(t, []problemCase{
		{
			name: "name with a space",
			yaml: "authserver:\n  scopes:\n    photos read: See photos\n",
			want: []string{`c.yaml:3:5: invalid scope name "photos read" (no spaces, quotes or backslashes)`},
		},
		{
			name: "name with a quote",
			yaml: "authserver:\n  scopes:\n    'say\"hi': Greet\n",
			want: []string{`c.yaml:3:5: invalid scope name "say\"hi" (no spaces, quotes or backslashes)`},
		},
		{
			name: "no description",
			yaml: "authserver:\n  scopes:\n    photos.read:\n",
			want: []string{`c.yaml:3:5: scope "photos.read" needs a description: it is the text shown on the consent page`},
		},
		{
			name: "blank description",
			yaml: "authserver:\n  scopes:\n    photos.read: \"  \"\n",
			want: []string{`c.yaml:3:18: scope "photos.read" needs a description: it is the text shown on the consent page`},
		},
		{
			name: "scopes as a list",
			yaml: "authserver:\n  scopes: [photos.read]\n",
			want: []string{`c.yaml:2:11: expected a mapping, got a list`},
		},
	})
}

func TestBranding(t *testing.T) {
	runProblems(t, []problemCase{
		{
			name: "valid",
			yaml: "authserver:\n  branding: {product_name: Photo Drive, logo_url: /static/logo.svg, accent_color: \"#2f6fde\"}\n",
		},
		{name: "data URL and short colour", yaml: "authserver:\n  branding: {logo_url: \"data:image/png;base64,AAAA\", accent_color: \"#abc\"}\n"},
		{
			name: "third-party logo",
			yaml: "authserver:\n  branding:\n    logo_url: https://cdn.example.com/logo.png\n",
			want: []string{`c.yaml:3:15: logo_url must be a path on this server (/logo.svg) or a data:image/ URL: pages load no third-party resources`},
		},
		{
			name: "protocol-relative logo",
			yaml: "authserver:\n  branding:\n    logo_url: //cdn.example.com/logo.png\n",
			want: []string{`c.yaml:3:15: logo_url must be a path on this server (/logo.svg) or a data:image/ URL: pages load no third-party resources`},
		},
		{
			name: "colour name",
			yaml: "authserver:\n  branding:\n    accent_color: blue\n",
			want: []string{`c.yaml:3:19: accent_color "blue" must be #rgb or #rrggbb`},
		},
		{
			name: "colour with bad digits",
			yaml: "authserver:\n  branding:\n    accent_color: \"#12345g\"\n",
			want: []string{`c.yaml:3:19: accent_color "#12345g" must be #rgb or #rrggbb`},
		},
	})
}

func TestSessionSecret(t *testing.T) {
	runProblems(t, []problemCase{
		{name: "long enough", yaml: "authserver:\n  session_secret: \"0123456789abcdef0123456789abcdef\"\n"},
		{
			name: "too short, value not echoed",
			yaml: "authserver:\n  session_secret: hunter2-but-longer\n",
			want: []string{`c.yaml:2:19: session_secret must be at least 32 characters (e.g. openssl rand -base64 48)`},
		},
	})
}
