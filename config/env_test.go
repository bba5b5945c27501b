package config

import (
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	env := testEnv(map[string]string{"A": "alpha", "B_2": "$B", "EMPTY": ""})
	for _, tc := range []struct {
		name, in, want, wantErr string
	}{
		{name: "no dollar", in: "plain", want: "plain"},
		{name: "variable", in: "${A}", want: "alpha"},
		{name: "inside text", in: "x-${A}-${B_2}-y", want: "x-alpha-$B-y"},
		{name: "value not expanded again", in: "${B_2}", want: "$B"},
		{name: "set but empty", in: "[${EMPTY}]", want: "[]"},
		{name: "escaped dollar", in: "$${A}", want: "${A}"},
		{name: "double escape", in: "a$$$$b", want: "a$$b"},
		{name: "bcrypt hash kept", in: aliceHash, want: aliceHash},
		{name: "trailing dollar", in: "cost$", want: "cost$"},
		{name: "missing", in: "${NOPE}", wantErr: "environment variable NOPE is not set"},
		{name: "unterminated", in: "${A", wantErr: `unterminated "${" (write $$ for a literal $)`},
		{name: "empty name", in: "${}", wantErr: `invalid environment variable name "" in ${...}`},
		{name: "bad name", in: "${1A}", wantErr: `invalid environment variable name "1A" in ${...}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := expand(tc.in, env)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if got != tc.want || gotErr != tc.wantErr {
				t.Errorf("expand(%q) = %q, %q; want %q, %q", tc.in, got, gotErr, tc.want, tc.wantErr)
			}
		})
	}
}

func TestEnvInConfig(t *testing.T) {
	runProblems(t, []problemCase{
		{
			name: "present",
			yaml: "server:\n  listen: \"${HOST}:${PORT}\"\n",
			env:  map[string]string{"HOST": "0.0.0.0", "PORT": "8443"},
		},
		{
			name: "missing names the variable at the value",
			yaml: "store:\n  driver: postgres\n  dsn: ${DATABASE_URL}\n",
			want: []string{`c.yaml:3:8: environment variable DATABASE_URL is not set`},
		},
		{
			name: "escaped dollar is not a variable",
			yaml: "authserver:\n  branding:\n    product_name: \"$${NOT_A_VAR}\"\n",
		},
		{
			name: "keys are not expanded",
			yaml: "${SECTION}: {}\n",
			env:  map[string]string{"SECTION": "log"},
			want: []string{`c.yaml:1:1: unknown key "${SECTION}" (known keys: server, log, store, authserver, gateway)`},
		},
		{
			name: "expanded booleans and durations",
			yaml: "log:\n  access: ${ACCESS}\nauthserver:\n  access_token_ttl: ${TTL}\n",
			env:  map[string]string{"ACCESS": "false", "TTL": "5m"},
		},
	})
}

// TestExpandedValueNeverShown: a bad value that came from the environment
// is quoted as written in the file, never as expanded.
func TestExpandedValueNeverShown(t *testing.T) {
	const secret = "hunter2-very-secret"
	env := map[string]string{"V": secret}
	src := `server:
  listen: ${V}
  trusted_proxies: ["${V}"]
log:
  level: ${V}
store:
  driver: ${V}
authserver:
  issuer: ${V}
  access_token_ttl: ${V}
  users:
    - username: u
      password_hash: ${V}
      email: ${V}
  clients:
    - id: c
      secret: x${V}
      redirect_uris: ["${V}"]
      scopes: ["${V}"]
  branding: {logo_url: "${V}", accent_color: "${V}"}
gateway:
  trusted_issuers: [{issuer: "${V}", audience: a}]
  upstreams:
    u: {url: "${V}", timeout: "${V}", pass_authorization: "${V}"}
`
	got := problems(t, src, env)
	if len(got) < 15 {
		t.Errorf("want a problem per bad value, got %d:\n%s", len(got), strings.Join(got, "\n"))
	}
	for _, line := range got {
		if strings.Contains(line, "hunter2") {
			t.Errorf("diagnostic shows an expanded value: %s", line)
		}
	}
}

func TestEnvValues(t *testing.T) {
	src := "server:\n  listen: \"${HOST}:${PORT}\"\nauthserver:\n  branding:\n    product_name: \"$${NOT_A_VAR} costs $$5\"\n"
	f, err := Parse("c.yaml", []byte(src), testEnv(map[string]string{"HOST": "0.0.0.0", "PORT": "8443"}))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.Server.Listen, "0.0.0.0:8443"; got != want {
		t.Errorf("listen: got %q, want %q", got, want)
	}
	if got, want := f.AuthServer.Branding.ProductName, "${NOT_A_VAR} costs $5"; got != want {
		t.Errorf("product_name: got %q, want %q", got, want)
	}
}
