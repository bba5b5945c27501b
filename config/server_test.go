package config

import "testing"

func TestServerSection(t *testing.T) {
	runProblems(t, []problemCase{
		{
			name: "listen without port",
			yaml: "server:\n  listen: localhost\n",
			want: []string{`c.yaml:2:11: invalid listen address "localhost" (want host:port, such as :8080 or 127.0.0.1:9090)`},
		},
		{
			name: "port out of range",
			yaml: "server:\n  admin_listen: \"127.0.0.1:70000\"\n",
			want: []string{`c.yaml:2:17: invalid listen address "127.0.0.1:70000" (want host:port, such as :8080 or 127.0.0.1:9090)`},
		},
		{
			name: "admin on the public port",
			yaml: "server:\n  listen: \":8080\"\n  admin_listen: \"127.0.0.1:8080\"\n",
			want: []string{`c.yaml:3:17: admin_listen must differ from listen: the admin endpoints are never served on the public port`},
		},
		{
			name: "listen moved onto the default admin address",
			yaml: "server:\n  listen: \"0.0.0.0:9090\"\n",
			want: []string{`c.yaml:2:11: admin_listen must differ from listen: the admin endpoints are never served on the public port`},
		},
		{
			name: "same port on different hosts is fine",
			yaml: "server:\n  listen: \"192.0.2.1:8080\"\n  admin_listen: \"127.0.0.1:8080\"\n",
		},
		{
			name: "port 0 on both is fine",
			yaml: "server:\n  listen: \"127.0.0.1:0\"\n  admin_listen: \"127.0.0.1:0\"\n",
		},
		{
			name: "trusted proxies",
			yaml: "server:\n  trusted_proxies:\n    - 10.0.0.0/8\n    - 10.0.0.1/8\n    - proxy.internal\n    - \"::1\"\n",
			want: []string{
				`c.yaml:4:7: trusted proxy "10.0.0.1/8" has host bits set (did you mean 10.0.0.0/8?)`,
				`c.yaml:5:7: invalid trusted proxy "proxy.internal" (want an IP or a CIDR such as 10.0.0.0/8)`,
			},
		},
		{
			name: "connection and body limits",
			yaml: "server:\n  max_connections: 0\n  read_timeout: 0s\n  body_idle_timeout: soon\n  idle_timeout: 2h\n",
			want: []string{
				`c.yaml:2:20: expected a whole number from 1 to 1000000, got "0"`,
				`c.yaml:3:17: duration must be above 0 and at most 10m0s`,
				`c.yaml:4:22: invalid duration "soon" (use a number with a unit, such as 30s, 10m or 1h)`,
				`c.yaml:5:17: duration must be above 0 and at most 1h0m0s`,
			},
		},
		{
			name: "limits set",
			yaml: "server:\n  max_connections: 500\n  read_timeout: 5s\n  body_idle_timeout: 1m\n  idle_timeout: 30s\n",
		},
	})
}

func TestLogSection(t *testing.T) {
	runProblems(t, []problemCase{
		{
			name: "level",
			yaml: "log:\n  level: verbose\n",
			want: []string{`c.yaml:2:10: unknown log level "verbose" (want debug, info, warn or error)`},
		},
		{
			name: "format",
			yaml: "log:\n  format: text\n",
			want: []string{`c.yaml:2:11: unknown log format "text" (want json or console)`},
		},
		{
			name: "access",
			yaml: "log:\n  access: 1\n",
			want: []string{`c.yaml:2:11: expected true or false, got "1"`},
		},
		{
			name: "audit output misspelt",
			yaml: "log:\n  audit: stdot\n",
			want: []string{`c.yaml:2:10: unknown audit output "stdot" (want off, stdout, stderr or a file path containing a slash, such as ./audit.log)`},
		},
		{
			name: "audit output is a directory",
			yaml: "log:\n  audit: /\n",
			want: []string{`c.yaml:2:10: audit output "/" is a directory (want a file path)`},
		},
		{
			name: "audit output is a list",
			yaml: "log:\n  audit: [stdout]\n",
			want: []string{`c.yaml:2:10: expected a string, got a list`},
		},
	})
}

func TestAuditOutput(t *testing.T) {
	for _, tc := range []struct{ value, want string }{
		{"off", ""},
		{"false", ""},
		{"true", "stdout"},
		{"stdout", "stdout"},
		{"STDERR", "stderr"},
		{"./audit.log", "./audit.log"},
		{"/var/log/scopegate/audit.log", "/var/log/scopegate/audit.log"},
		{"${AUDIT}", "/srv/audit.log"},
	} {
		src := "log:\n  audit: " + tc.value + "\n"
		f, err := Parse("c.yaml", []byte(src), testEnv(map[string]string{"AUDIT": "/srv/audit.log"}))
		if err != nil {
			t.Errorf("log.audit %s: %v", tc.value, err)
			continue
		}
		if f.Log.Audit != tc.want {
			t.Errorf("log.audit %s = %q, want %q", tc.value, f.Log.Audit, tc.want)
		}
	}
}

func TestStoreSection(t *testing.T) {
	runProblems(t, []problemCase{
		{
			name: "driver",
			yaml: "store:\n  driver: mysql\n",
			want: []string{`c.yaml:2:11: unknown store driver "mysql" (want sqlite or postgres)`},
		},
		{
			name: "postgres needs a dsn",
			yaml: "store:\n  driver: postgres\n",
			want: []string{`c.yaml:2:11: store dsn is required for postgres`},
		},
		{
			name: "empty dsn",
			yaml: "store:\n  dsn: \"\"\n",
			want: []string{`c.yaml:2:8: store dsn must not be empty`},
		},
	})
}
