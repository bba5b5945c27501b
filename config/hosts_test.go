package config

import (
	"slices"
	"testing"
)

// TestServerHosts (issue 12, finding 10): server.hosts entries are host
// names or IP addresses without a port; anything else is reported at its
// position.
func TestServerHosts(t *testing.T) {
	runProblems(t, []problemCase{
		{name: "names and addresses", yaml: "server:\n  hosts: [photos.example.com, API.Example.com, 192.0.2.7, \"2001:db8::1\"]\n"},
		{
			name: "bad entries",
			yaml: "server:\n  hosts:\n    - photos.example.com:443\n    - \"https://photos.example.com\"\n    - \"[2001:db8::1]\"\n    - \"*.example.com\"\n    - photos.example.com.\n    - \"\"\n",
			want: []string{
				`c.yaml:3:7: host "photos.example.com:443" has a port or brackets: list the host name or IP address alone; ports are not compared`,
				`c.yaml:4:7: host "https://photos.example.com" has a port or brackets: list the host name or IP address alone; ports are not compared`,
				`c.yaml:5:7: host "[2001:db8::1]" has a port or brackets: list the host name or IP address alone; ports are not compared`,
				`c.yaml:6:7: host "*.example.com" is not a host name: only letters, digits, '-', '_' and '.' may appear`,
				`c.yaml:7:7: host "photos.example.com." has an empty label (a leading, doubled or trailing dot)`,
				`c.yaml:8:7: host "" is empty`,
			},
		},
	})
}

// TestAllowedHosts: what the public listener answers for, by default and
// with server.hosts.
func TestAllowedHosts(t *testing.T) {
	const routes = "gateway:\n  upstreams:\n    api: {url: \"http://127.0.0.1:9000\"}\n  routes:\n" +
		"    - {route: \"GET /status\", upstream: api, public: true}\n" +
		"    - {route: \"GET Media.Example.com/x\", upstream: api, public: true}\n"
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{name: "defaults: the issuer on loopback", yaml: "",
			want: []string{"localhost", "127.0.0.1", "::1"}},
		{name: "public issuer, wildcard listener",
			yaml: "authserver:\n  issuer: \"https://Login.Example.com\"\n" + routes,
			want: []string{"login.example.com", "media.example.com"}},
		{name: "public issuer, loopback listener",
			yaml: "server:\n  listen: \"127.0.0.1:8080\"\nauthserver:\n  issuer: \"https://login.example.com\"\n",
			want: []string{"login.example.com", "localhost", "127.0.0.1", "::1"}},
		{name: "server.hosts adds names",
			yaml: "server:\n  hosts: [API.example.com, login.example.com]\nauthserver:\n  issuer: \"https://login.example.com:8443\"\n",
			want: []string{"login.example.com", "api.example.com"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := parseOK(t, tc.yaml)
			if got := f.AllowedHosts(); !slices.Equal(got, tc.want) {
				t.Errorf("AllowedHosts() = %q; want %q", got, tc.want)
			}
		})
	}
}
