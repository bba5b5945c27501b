package config

import "testing"

func TestUnknownKeys(t *testing.T) {
	runProblems(t, []problemCase{
		{
			name: "top level typo",
			yaml: "servr: {}\n",
			want: []string{`c.yaml:1:1: unknown key "servr" (did you mean "server"?)`},
		},
		{
			name: "nested typo",
			yaml: "authserver:\n  scope: {}\n",
			want: []string{`c.yaml:2:3: unknown key "scope" (did you mean "scopes"?)`},
		},
		{
			name: "camel case suggests snake case",
			yaml: "authserver:\n  accessTokenTTL: 5m\n",
			want: []string{`c.yaml:2:3: unknown key "accessTokenTTL" (did you mean "access_token_ttl"?)`},
		},
		{
			name: "no close key lists the known ones",
			yaml: "log:\n  colour: true\n",
			want: []string{`c.yaml:2:3: unknown key "colour" (known keys: level, format, access, audit)`},
		},
		{
			name: "inside a list item",
			yaml: "authserver:\n  users:\n    - username: a\n      password_hash: \"" + aliceHash + "\"\n      mail: a@example.com\n",
			want: []string{`c.yaml:5:7: unknown key "mail" (did you mean "email"?)`},
		},
		{
			name: "inside an upstream",
			yaml: "gateway:\n  upstreams:\n    photos:\n      url: http://127.0.0.1:9000\n      pass_auth: true\n",
			want: []string{`c.yaml:5:7: unknown key "pass_auth" (known keys: url, pass_authorization, case_insensitive, timeout, max_connections, idle_connections, stall_timeout)`},
		},
		{
			name: "every unknown key at once",
			yaml: "server:\n  listn: \":1\"\n  admn_listen: \":2\"\nstore:\n  drive: sqlite\n",
			want: []string{
				`c.yaml:2:3: unknown key "listn" (did you mean "listen"?)`,
				`c.yaml:3:3: unknown key "admn_listen" (did you mean "admin_listen"?)`,
				`c.yaml:5:3: unknown key "drive" (did you mean "driver"?)`,
			},
		},
	})
}

func TestDuplicateKeys(t *testing.T) {
	runProblems(t, []problemCase{
		{
			name: "top level",
			yaml: "log: {}\nstore: {}\nlog: {}\n",
			want: []string{`c.yaml:3:1: duplicate key "log" (first at line 1)`},
		},
		{
			name: "nested",
			yaml: "server:\n  listen: \":1\"\n  listen: \":2\"\n",
			want: []string{`c.yaml:3:3: duplicate key "listen" (first at line 2)`},
		},
		{
			name: "scope names",
			yaml: "authserver:\n  scopes:\n    a: A\n    a: again\n",
			want: []string{`c.yaml:4:5: duplicate key "a" (first at line 3)`},
		},
		{
			name: "upstream names",
			yaml: "gateway:\n  upstreams:\n    p: {url: \"http://127.0.0.1:1\"}\n    p: {url: \"http://127.0.0.1:2\"}\n",
			want: []string{`c.yaml:4:5: duplicate key "p" (first at line 3)`},
		},
	})
}

func TestWrongKinds(t *testing.T) {
	runProblems(t, []problemCase{
		{
			name: "document is not a mapping",
			yaml: "- a\n",
			want: []string{`c.yaml:1:1: expected a mapping, got a list`},
		},
		{
			name: "section is a string",
			yaml: "server: everywhere\n",
			want: []string{`c.yaml:1:9: expected a mapping, got a string`},
		},
		{
			name: "string expected, list found",
			yaml: "log:\n  level: [info]\n",
			want: []string{`c.yaml:2:10: expected a string, got a list`},
		},
		{
			name: "list expected, string found",
			yaml: "server:\n  trusted_proxies: 10.0.0.0/8\n",
			want: []string{`c.yaml:2:20: expected a list, got a string`},
		},
		{
			name: "list item is a mapping",
			yaml: "server:\n  trusted_proxies: [{a: b}]\n",
			want: []string{`c.yaml:2:21: expected a string, got a mapping`},
		},
		{
			name: "boolean expected",
			yaml: "log:\n  access: yes\n",
			want: []string{`c.yaml:2:11: expected true or false, got "yes"`},
		},
		{
			name: "user is not a mapping",
			yaml: "authserver:\n  users: [alice]\n",
			want: []string{`c.yaml:2:11: expected a mapping, got a string`},
		},
		{
			name: "empty list item",
			yaml: "authserver:\n  users:\n    -\n",
			want: []string{`c.yaml:3:6: expected a user mapping, got nothing`},
		},
		{
			name: "key is a mapping",
			yaml: "? {a: b}\n: c\n",
			want: []string{`c.yaml:1:3: expected a string key, got a mapping`},
		},
	})
}

func TestSyntaxErrors(t *testing.T) {
	runProblems(t, []problemCase{
		{
			// yaml.v3 reports the line of the mapping it was reading; it
			// gives no column.
			name: "bad indentation",
			yaml: "server:\n  listen: \":1\"\n admin_listen: x\n",
			want: []string{`c.yaml:2:1: invalid YAML: did not find expected key`},
		},
		{
			name: "tab indentation",
			yaml: "server:\n\tlisten: x\n",
			want: []string{`c.yaml:2:1: invalid YAML: found character that cannot start any token`},
		},
		{
			name: "two documents",
			yaml: "log: {}\n---\nlog: {}\n",
			want: []string{`c.yaml:2:1: expected one YAML document, found another`},
		},
	})
}

func TestAliases(t *testing.T) {
	runProblems(t, []problemCase{
		{
			name: "alias to a list is followed",
			yaml: "authserver:\n  scopes: {a: A, b: B}\n  clients:\n    - id: x\n      redirect_uris: &r [\"https://x.example/cb\"]\n      scopes: [a]\n    - id: y\n      redirect_uris: *r\n      scopes: [c]\n",
			want: []string{`c.yaml:9:16: scope "c" is not declared in authserver.scopes`},
		},
	})
}
